"""Tests: fast password hashing, a fixed key, quiet logs."""

from .base import *  # noqa: F403
from .base import LOGGING

SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    **LOGGING,
    "root": {"level": "WARNING", "handlers": ["console"]},
    "loggers": {"django": {"level": "WARNING", "handlers": ["console"], "propagate": False}},
}
