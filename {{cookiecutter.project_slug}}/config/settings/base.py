"""Settings shared by every environment.

Embedded defaults, real engines when asked: with no environment the site runs
on SQLite and the in-memory channel layer; ``DATABASE_URL`` and ``REDIS_URL``
switch to the real servers.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APPS_DIR = BASE_DIR / "{{ cookiecutter.project_slug }}"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
TIME_ZONE = "{{ cookiecutter.timezone }}"
LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
SITE_NAME = "{{ cookiecutter.project_name }}"

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CHANNEL LAYERS
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")


def channel_layers(redis_url):
    """The in-memory layer for one process, channels-redis as soon as a Redis URL is given.

    redis-py's asyncio pool refuses connections past ``max_connections`` (100 by
    default), which a process serving hundreds of sockets reaches quickly. Every
    observer event of a process queues on one channel (the observer hub), so its
    ``capacity`` is raised above Channels' default of 100 on both layers.

    A socket's channel is read with a blocking Redis pop that waits up to
    ``RedisChannelLayer.brpop_timeout`` (5 s) for a message. redis-py's default
    ``socket_timeout`` is also 5 s, so on a quiet socket the read timed out just
    before Redis answered "nothing yet", and the consumer ended with 1011. The
    socket timeout here is well above the blocking pop: it only catches a Redis
    that stopped answering. TCP keepalive and redis-py's health check (a PING
    before reusing a connection idle that long) find connections a Redis restart
    or a network device dropped. Options in the URL's query string
    (``?socket_timeout=...``) override these.
    """
    capacity = env.int("CHANNEL_LAYER_CAPACITY", default=1000)
    if not redis_url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": capacity}}}
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": redis_url,
                        "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=1000),
                        "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=15.0),
                        "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=2.0),
                        "socket_keepalive": True,
                        "health_check_interval": 30,
                    }
                ],
                "capacity": capacity,
                "expiry": 60,
            },
        }
    }


CHANNEL_LAYERS = channel_layers(REDIS_URL)

# CACHES
# ------------------------------------------------------------------------------
# With REDIS_URL, one cache for every server process (limits counted per user, such as the chat's,
# hold across processes); otherwise this process's memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# URLS
# ------------------------------------------------------------------------------
ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
ADMIN_URL = env("DJANGO_ADMIN_URL", default="admin/")

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "channels",
    "csp",
    "rest_framework",
]
LOCAL_APPS = [
    "{{ cookiecutter.project_slug }}.channels_rest",
    "{{ cookiecutter.project_slug }}.core",
    "{{ cookiecutter.project_slug }}.users",
{%- if cookiecutter.use_chat_demo %}
    "{{ cookiecutter.project_slug }}.chat",
{%- endif %}
{%- if cookiecutter.use_asyncapi_docs %}
    "{{ cookiecutter.project_slug }}.asyncapi",
{%- endif %}
{%- if cookiecutter.use_api_gateway %}
    "{{ cookiecutter.project_slug }}.apigw",
{%- endif %}
    # Your apps go here.
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "users:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
{%- if cookiecutter.use_user_consumers %}
# Visitors may create an account through the user API (ws/users/, /api/users/). Off in production unless enabled.
USERS_WEBSOCKET_SIGNUP = env.bool("USERS_WEBSOCKET_SIGNUP", default=True)
{%- endif %}

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "{{ cookiecutter.project_slug }}.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# SECURITY HEADERS
# ------------------------------------------------------------------------------


def content_security_policy(hosts):
    """django-csp's policy: scripts, styles, images and sockets from this site only, nothing inline, no framing.

    ``'self'`` covers the site's own ws:/wss: URLs in browsers that follow CSP Level 3, but not in older
    Safari, so the wss: origin of each host in ``hosts`` (``ALLOWED_HOSTS``) is listed as well;
    ``.example.com`` also allows its subdomains. ``*`` and IPv6 literals have no CSP spelling.
    """
    websockets = []
    for host in hosts:
        if host == "*" or host.startswith("["):
            continue
        if host.startswith("."):
            websockets += [f"wss://{host[1:]}", f"wss://*{host}"]
        else:
            websockets.append(f"wss://{host}")
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": [SELF, "data:"],
            "connect-src": [SELF, *websockets],
            "frame-ancestors": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "object-src": [NONE],
        }
    }


CONTENT_SECURITY_POLICY = content_security_policy(ALLOWED_HOSTS)
# Browser features no page uses, denied to the site and to anything it embeds: {feature: allowed origins},
# () for none, ("self",) for the site itself. Sent as the Permissions-Policy header by core.middleware.
PERMISSIONS_POLICY = dict.fromkeys(
    [
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ],
    (),
)

# STATIC
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [APPS_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# TEMPLATES
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [APPS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "{{ cookiecutter.project_slug }}.core.context_processors.site",
            ],
        },
    },
]

# Links shown in the navigation bar of every page: (label, URL name).
NAV_LINKS = [{{ [
    '("Chat", "chat:index")' if cookiecutter.use_chat_demo else "",
    '("WebSocket API docs", "asyncapi-docs")' if cookiecutter.use_asyncapi_docs else "",
    '("Gateway dashboard", "apigw_dashboard")' if cookiecutter.use_api_gateway else "",
] | select | join(", ") }}]

# DJANGO REST FRAMEWORK AND THE WEBSOCKET FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
# Also the limits on what one socket may send, set here to change their defaults (docs/websockets.md, "Limits
# and hostile input"): MAX_FRAME_SIZE (64 KiB; a bigger frame closes the socket with 4009), MAX_JSON_DEPTH (32;
# deeper JSON gets a 400), MAX_SUBSCRIPTIONS_PER_CONNECTION (100; more observer subscriptions get a 429).
# A consumer that names no permission_classes admits signed-in users only, as a REST view that names none.
DJANGO_CHANNELS_REST_API = {
    "DEFAULT_PERMISSION_CLASSES": ["{{ cookiecutter.project_slug }}.channels_rest.permissions.IsAuthenticated"],
    "PAGE_SIZE": 50,
}

# WEBSOCKET AUTHENTICATION
# ------------------------------------------------------------------------------
# Besides the session cookie, a websocket may carry a JWT from /api/token/ (djangorestframework-simplejwt), in
# this cookie or in this query parameter: for mobile and API clients (docs/websockets.md, "Authentication").
JWT_AUTH_COOKIE_NAME = "access_token"
JWT_AUTH_QUERY_PARAM = "token"
# The same tokens sign in REST requests (Authorization: Bearer). A token carries a digest of its user's password
# hash (CHECK_REVOKE_TOKEN), so a new password ends the tokens issued before it, as it ends the other sessions.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "CHECK_REVOKE_TOKEN": True,
    # Refuses to refresh for a deleted or deactivated account, or one with a new password.
    "TOKEN_REFRESH_SERIALIZER": "{{ cookiecutter.project_slug }}.users.tokens.TokenRefreshSerializer",
}
{%- if cookiecutter.use_asyncapi_docs %}

# ASYNCAPI DOCS
# ------------------------------------------------------------------------------
# The websocket API's AsyncAPI document and docs page with its try-it-out console (docs/asyncapi.md, "Settings").
# By default only staff may read them and the console is off; config/settings/local.py opens both.
CHANNELS_SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} WebSocket API",
    "VERSION": "{{ cookiecutter.version }}",
}
{%- endif %}
{%- if cookiecutter.use_chat_demo %}

# CHAT DEMO
# ------------------------------------------------------------------------------
# Each user may send CHAT_RATE_LIMIT messages per CHAT_RATE_PERIOD-second window, counted over all their
# sockets in the cache (CACHES); more get a 429 frame.
CHAT_RATE_LIMIT = env.int("CHAT_RATE_LIMIT", default=20)
CHAT_RATE_PERIOD = env.float("CHAT_RATE_PERIOD", default=10.0)
# A presence not refreshed for this many seconds was left by a server process that died: it is cleared.
CHAT_PRESENCE_TTL = env.int("CHAT_PRESENCE_TTL", default=90)
{%- endif %}
{%- if cookiecutter.use_api_gateway %}

# AWS API GATEWAY WEBSOCKETS
# ------------------------------------------------------------------------------
# The websockets may also come through AWS API Gateway, which POSTs each event to /apigw/events/<route>
# (docs/api-gateway.md). APIGW_SECRET is the shared secret the gateway sends in X-Ws-Gateway-Secret: at least
# 32 characters of [A-Za-z0-9._~+/=-]; a list accepts several while rotating, the first is the one to send.
APIGW_SECRET = env("APIGW_SECRET", default="")
# Where replies are posted (the management API); {api_id}, {region} and {stage} come from the ApiGateway record.
APIGW_MANAGEMENT_ENDPOINT = env(
    "APIGW_MANAGEMENT_ENDPOINT", default="https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"
)
# A connection's ?channel= name -> the consumer that serves it (a channels_rest one, or any ASGI websocket
# consumer), one live instance per connection: "dashboard" is the ping consumer, for the demo page at
# /apigw/dashboard/.
APIGW_CHANNELS = {
    "dashboard": "{{ cookiecutter.project_slug }}.core.consumers.PingConsumer",
{%- if cookiecutter.use_chat_demo %}
    "chat": "{{ cookiecutter.project_slug }}.chat.consumers.RoomConsumer",
{%- endif %}
{%- if cookiecutter.use_user_consumers %}
    "users": "{{ cookiecutter.project_slug }}.users.consumers.UserConsumer",
{%- endif %}
}
# A connection token (POST /apigw/token/) lives this many seconds; each user may ask for this many a minute.
APIGW_TOKEN_TTL = 60
APIGW_TOKENS_PER_MINUTE = 20
{%- endif %}

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"verbose": {"format": "%(levelname)s %(asctime)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "verbose"}},
    "root": {"level": "INFO", "handlers": ["console"]},
    # Replaces Django's default "django" handler so each line is printed once.
    "loggers": {"django": {"level": "INFO", "handlers": ["console"], "propagate": False}},
}
