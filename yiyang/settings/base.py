"""Settings shared by every deployment. dev/test/prod import this and override a few names.

The database is SQLite by default (zero set-up: a demo or one small institution) and PostgreSQL when
DATABASE_URL is set; the same migrations run on both.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("YIYANG_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "ninja",
    "yiyang.core",
    "yiyang.accounts",
    "yiyang.web",
    "yiyang.assessments",
    "yiyang.health",
    "yiyang.monitoring",
    "yiyang.care",
    "yiyang.quality",
    "yiyang.devices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yiyang.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yiyang.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yiyang.urls"
WSGI_APPLICATION = "yiyang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yiyang.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'yiyang.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "yiyang.accounts.backends.PersonBackend",  # ModelBackend that never lets the system actor in
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# django-axes: lock a username (per IP) after repeated failures; an administrator can reset it.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yiyang.accounts.lockout.locked_out"
AXES_VERBOSE = False

# The interface language is the deployment's, not the browser's: health-centre PCs often run an English
# browser, and our users read Chinese. Set DJANGO_LANGUAGE_CODE=en for an English interface.
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Personal-data protection (see docs/security.md). Keys are url-safe base64 32-byte keys; the first
# encrypts, all decrypt (rotation). The blind-index key is separate so a leaked index reveals nothing.
YIYANG_FIELD_KEYS = [k for k in os.environ.get("YIYANG_FIELD_KEYS", "").split(",") if k]
YIYANG_BLIND_INDEX_KEY = os.environ.get("YIYANG_BLIND_INDEX_KEY", "")

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "true").lower() == "true"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
#: tests with a real worker use a queue of their own on the shared Redis
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Production: Celery beat drains the indicator recompute outbox (yiyang.monitoring.outbox) every few
# seconds; run `celery -A yiyang beat` once beside the workers.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "monitoring-drain": {
        "task": "monitoring.drain",
        "schedule": float(os.environ.get("MONITORING_DRAIN_SECONDS", "10")),
    },
    # care: agreements past their end date expire; agreements' grants follow the homes' residents
    "care-daily": {"task": "care.daily", "schedule": crontab(hour=0, minute=30)},
    # devices (alerts): escalate unacknowledged alerts up the ladder; "no reading for N minutes"
    "devices-alert-tick": {"task": "devices.alert_tick", "schedule": 60.0},
    # devices (readings): next months' partitions of the readings table made, expired ones dropped
    "devices-partitions": {"task": "devices.partitions", "schedule": crontab(hour=1, minute=10)},
    # quality (inspections): the year's fire-check obligations; overdue rectification items escalated
    "quality-inspections-daily": {
        "task": "quality.inspections_daily",
        "schedule": crontab(hour=0, minute=40),
    },
}
#: the embedded demo (eager Celery, no beat) drains from a thread of `manage.py runserver` instead
MONITORING_DRAIN_THREAD_SECONDS = 0
#: devices (alerts): the embedded demo runs the alert tick from a thread of `manage.py runserver`
DEVICES_ALERT_TICK_THREAD_SECONDS = 0.0

# devices (ingestion): the MQTT broker the ingestion worker (`manage.py devices ingest`) subscribes to;
# one fixed client id per worker keeps its persistent session across restarts.
MQTT_HOST = os.environ.get("MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("MQTT_PORT", "1883"))
MQTT_CLIENT_ID = os.environ.get("MQTT_CLIENT_ID", "yiyang-ingest")
MQTT_USERNAME = os.environ.get("MQTT_USERNAME", "")
MQTT_PASSWORD = os.environ.get("MQTT_PASSWORD", "")
#: months of readings kept (PostgreSQL drops older monthly partitions; SQLite deletes the rows)
DEVICES_READING_RETENTION_MONTHS = int(os.environ.get("DEVICES_READING_RETENTION_MONTHS", "13"))
#: the embedded demo runs the ingestion worker in a thread of `manage.py runserver` (yiyang.devices.apps)
DEVICES_INGEST_THREAD = False

NINJA_PAGINATION_PER_PAGE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
