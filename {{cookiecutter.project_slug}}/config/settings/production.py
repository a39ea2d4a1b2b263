"""Production: every secret and server comes from the environment, HTTPS everywhere."""

{% if cookiecutter.database == "postgresql" or cookiecutter.use_redis -%}
from django.core.exceptions import ImproperlyConfigured

{% endif -%}
from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["{{ cookiecutter.domain_name }}"])
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
{%- if cookiecutter.database == "postgresql" %}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL, e.g. postgres://user:password@host:5432/name")
{%- endif %}
{%- if cookiecutter.use_redis %}
REDIS_URL = env("REDIS_URL")
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must be a Redis URL, e.g. redis://localhost:6379/0")
CHANNEL_LAYERS = channel_layers(REDIS_URL)  # noqa: F405
{%- endif %}

# SECURITY
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=["https://{{ cookiecutter.domain_name }}"])
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Enforced, for the hosts the site is served on (the policy and PERMISSIONS_POLICY: config/settings/base.py).
CONTENT_SECURITY_POLICY = content_security_policy(ALLOWED_HOSTS)  # noqa: F405
# DRF's browsable API is a development aid whose templates style elements inline: the API answers in JSON only.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}  # noqa: F405

{%- if cookiecutter.use_user_consumers %}

# USERS
# ------------------------------------------------------------------------------
USERS_WEBSOCKET_SIGNUP = env.bool("USERS_WEBSOCKET_SIGNUP", default=False)
{%- endif %}

# STATIC
# ------------------------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ADMIN
# ------------------------------------------------------------------------------
ADMIN_URL = env("DJANGO_ADMIN_URL")
