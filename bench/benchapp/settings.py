"""A baked project's settings plus the benchmark app, tuned for measuring rather than debugging.

Environment: ``BENCH_DB`` (the SQLite file of this process), ``BENCH_VARIANT`` (which consumer serves
``ws/items/``), ``REDIS_URL`` (empty: in-memory channel layer, as in the project's own settings).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import DJANGO_CHANNELS_REST_API, INSTALLED_APPS, LOGGING, env

DEBUG = False
SECRET_KEY = "benchmark-only-key"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS, "benchapp"]
ASGI_APPLICATION = "benchapp.asgi.application"
BENCH_VARIANT = env("BENCH_VARIANT", default="channels")
if BENCH_VARIANT == "dcrf":
    # Both packages read this setting; DCRF would otherwise import the vendored framework's AllowAny.
    DJANGO_CHANNELS_REST_API = {
        **DJANGO_CHANNELS_REST_API,
        "DEFAULT_PERMISSION_CLASSES": ["djangochannelsrestframework.permissions.AllowAny"],
    }

# One SQLite file per server process, in WAL mode without an fsync per commit, and connections kept as in the
# production settings: the figures should show the consumers, not the disk or reconnections.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("BENCH_DB"),
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
    }
}
LOGGING = {**LOGGING, "root": {"level": "WARNING", "handlers": ["console"]}}
