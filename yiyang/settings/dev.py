"""Embedded single-machine settings: SQLite under var/, eager Celery, keys kept in var/keys.json."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR
from .keys import load_or_create_local_keys

VAR_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = False
_keys = load_or_create_local_keys(VAR_DIR / "keys.json")
SECRET_KEY = _keys["secret_key"]
YIYANG_FIELD_KEYS = [_keys["field_key"]]
YIYANG_BLIND_INDEX_KEY = _keys["blind_index_key"]

# No Celery beat in the embedded demo: `manage.py runserver` drains the recompute outbox every few
# seconds from a background thread (yiyang.monitoring.apps).
MONITORING_DRAIN_THREAD_SECONDS = float(os.environ.get("MONITORING_DRAIN_SECONDS", "3"))
# devices (alerts): the same thread-instead-of-beat for the alert tick (escalation, silent devices)
DEVICES_ALERT_TICK_THREAD_SECONDS = float(os.environ.get("DEVICES_ALERT_TICK_SECONDS", "60"))
