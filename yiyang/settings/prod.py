"""Deployment settings: every secret from the environment, PostgreSQL through DATABASE_URL."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, YIYANG_BLIND_INDEX_KEY, YIYANG_FIELD_KEYS

for _name, _value in [
    ("DJANGO_SECRET_KEY", SECRET_KEY),
    ("YIYANG_FIELD_KEYS", YIYANG_FIELD_KEYS),
    ("YIYANG_BLIND_INDEX_KEY", YIYANG_BLIND_INDEX_KEY),
]:
    if not _value:
        raise ImproperlyConfigured(f"{_name} must be set in the environment")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CELERY_TASK_ALWAYS_EAGER = False
