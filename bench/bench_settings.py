"""Settings for the benchmarks: the test settings (fixed keys) on a dedicated PostgreSQL database.

BENCH_DATABASE_URL overrides the database (default postgres://postgres@127.0.0.1:5432/yiyang_bench).
Connections are kept open across requests (CONN_MAX_AGE=None), as a deployment with persistent
connections or a pooler would, so no request pays for connecting.
"""

import os

import dj_database_url

from yiyang.settings.test import *  # noqa: F403

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yiyang_bench")
DATABASES = {"default": dj_database_url.parse(BENCH_DATABASE_URL, conn_max_age=None)}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DEBUG = False
