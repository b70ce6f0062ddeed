"""Test settings: fixed keys, fast hashing, eager Celery; DATABASE_URL switches the suite to PostgreSQL."""

from .base import *  # noqa: F403
from .base import VAR_DIR

VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
YIYANG_FIELD_KEYS = ["dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy4uLi4="]
YIYANG_BLIND_INDEX_KEY = "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMuLi4="
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
WHITENOISE_AUTOREFRESH = True
