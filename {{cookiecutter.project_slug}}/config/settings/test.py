"""Tests: fast password hashing, a fixed key, quiet logs."""

from .base import *  # noqa: F403
{%- if cookiecutter.use_asyncapi_docs %}
from .base import BASE_DIR, CHANNELS_SPECTACULAR_SETTINGS, DATABASES, INSTALLED_APPS, LOGGING, env
{%- else %}
from .base import BASE_DIR, DATABASES, INSTALLED_APPS, LOGGING
{%- endif %}

SECRET_KEY = "test-secret-key-not-for-production"
{%- if cookiecutter.use_api_gateway %}
APIGW_SECRET = "test-gateway-secret-not-for-production-0123456789"
{%- endif %}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Models the framework's observer tests save and watch, and a second name for the test database
# (its own connections and transactions) to check that changes follow the database they were made on.
INSTALLED_APPS = [*INSTALLED_APPS, "{{ cookiecutter.project_slug }}.channels_rest.tests.observed"]
DATABASES["observer_mirror"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
LOGGING = {
    **LOGGING,
    "root": {"level": "WARNING", "handlers": ["console"]},
    "loggers": {"django": {"level": "WARNING", "handlers": ["console"], "propagate": False}},
}

# The browser tests run the site in a separate server process, which must see the test database:
# an in-memory SQLite database cannot be shared, so the SQLite test database is a file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
# ... and serves the static files (the pages' scripts) without collectstatic.
WHITENOISE_USE_FINDERS = True
{%- if cookiecutter.use_asyncapi_docs %}

# The docs page's try-it-out console stays off, as in production; its browser tests turn it on in the server
# process they start (ASYNCAPI_TRY_IT_OUT=1).
CHANNELS_SPECTACULAR_SETTINGS = {
    **CHANNELS_SPECTACULAR_SETTINGS,
    "TRY_IT_OUT_ENABLED": env.bool("ASYNCAPI_TRY_IT_OUT", default=False),
}
{%- endif %}
