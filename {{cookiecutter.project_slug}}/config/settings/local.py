"""Development: debug on, an insecure fallback key, the admin at /admin/."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-development-key-change-me")
ADMIN_URL = "admin/"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
