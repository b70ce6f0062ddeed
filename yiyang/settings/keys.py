"""Local key file for the embedded demo: generated once, never committed (var/ is ignored).

A real deployment sets DJANGO_SECRET_KEY, YIYANG_FIELD_KEYS and YIYANG_BLIND_INDEX_KEY in the
environment (prod.py refuses to start without them); losing the field key loses the personal data.
"""

import base64
import json
import os
import secrets
from pathlib import Path


def _new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def load_or_create_local_keys(path: Path) -> dict[str, str]:
    if path.exists():
        return json.loads(path.read_text())
    keys = {"secret_key": secrets.token_urlsafe(50), "field_key": _new_key(), "blind_index_key": _new_key()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keys, f)
    return keys
