"""Start-up checks: bad configuration fails ``manage.py check``, not a user's request."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_personal_data_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    names = [("YIYANG_FIELD_KEYS", k) for k in settings.YIYANG_FIELD_KEYS] or [("YIYANG_FIELD_KEYS", "")]
    for name, key in [*names, ("YIYANG_BLIND_INDEX_KEY", settings.YIYANG_BLIND_INDEX_KEY)]:
        try:
            ok = len(base64.urlsafe_b64decode(key)) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            errors.append(
                Error(
                    f"{name} must hold url-safe base64 keys of 32 bytes",
                    hint="Generate one with: python -c "
                    "'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())'",
                    id="core.E001",
                )
            )
    return errors
