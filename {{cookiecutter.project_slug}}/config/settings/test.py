"""Tests: fast password hashing, a fixed key, quiet logs."""

from .base import *  # noqa: F403
from .base import {% if cookiecutter.use_chat_demo %}BASE_DIR, DATABASES, {% endif %}INSTALLED_APPS, LOGGING

SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Models the framework's observer tests save and watch.
INSTALLED_APPS = [*INSTALLED_APPS, "{{ cookiecutter.project_slug }}.channels_rest.tests.observed"]
LOGGING = {
    **LOGGING,
    "root": {"level": "WARNING", "handlers": ["console"]},
    "loggers": {"django": {"level": "WARNING", "handlers": ["console"], "propagate": False}},
}
{%- if cookiecutter.use_chat_demo %}

# The browser tests run the site in a separate server process, which must see the test database:
# an in-memory SQLite database cannot be shared, so the SQLite test database is a file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
# ... and serves the static files (the chat script) without collectstatic.
WHITENOISE_USE_FINDERS = True
{%- endif %}
