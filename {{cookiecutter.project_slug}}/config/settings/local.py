"""Development: debug on, an insecure fallback key, the admin at /admin/."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-development-key-change-me")
ADMIN_URL = "admin/"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
{%- if cookiecutter.use_api_gateway %}
APIGW_SECRET = env("APIGW_SECRET", default="local-development-gateway-secret-change-me")
{%- endif %}
# The Content-Security-Policy is reported in the browser console, not enforced, so that development tools still work.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY  # noqa: F405
CONTENT_SECURITY_POLICY = None
{%- if cookiecutter.use_asyncapi_docs %}
# The AsyncAPI docs page is open to everyone, with its try-it-out console (never in production: check --deploy warns).
CHANNELS_SPECTACULAR_SETTINGS = {
    **CHANNELS_SPECTACULAR_SETTINGS,  # noqa: F405
    "TRY_IT_OUT_ENABLED": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}
{%- endif %}
