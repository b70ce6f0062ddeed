"""Test settings: fixed keys, fast hashing, eager Celery; DATABASE_URL switches the suite to PostgreSQL."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
YIYANG_FIELD_KEYS = ["dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy4uLi4="]
YIYANG_BLIND_INDEX_KEY = "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMuLi4="
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Eager, except in the real Celery worker that one test starts with YIYANG_CELERY_WORKER=1
# (monitoring/tests/test_live_queue.py).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("YIYANG_CELERY_WORKER") != "1"
WHITENOISE_AUTOREFRESH = True
