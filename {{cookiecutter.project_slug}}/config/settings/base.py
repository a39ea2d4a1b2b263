"""Settings shared by every environment.

Embedded defaults, real engines when asked: with no environment the site runs
on SQLite and the in-memory channel layer; ``DATABASE_URL`` and ``REDIS_URL``
switch to the real servers.
"""

from pathlib import Path

import environ

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
                    }
                ],
                "capacity": capacity,
                "expiry": 60,
            },
        }
    }


CHANNEL_LAYERS = channel_layers(REDIS_URL)

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
    "rest_framework",
]
LOCAL_APPS = [
    "{{ cookiecutter.project_slug }}.channels_rest",
    "{{ cookiecutter.project_slug }}.core",
    "{{ cookiecutter.project_slug }}.users",
{%- if cookiecutter.use_chat_demo %}
    "{{ cookiecutter.project_slug }}.chat",
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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
NAV_LINKS = [{% if cookiecutter.use_chat_demo %}("Chat", "chat:index"){% endif %}]

# DJANGO REST FRAMEWORK AND THE WEBSOCKET FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
DJANGO_CHANNELS_REST_API = {
    "DEFAULT_PERMISSION_CLASSES": ["{{ cookiecutter.project_slug }}.channels_rest.permissions.AllowAny"],
    "PAGE_SIZE": 50,
}
{%- if cookiecutter.use_chat_demo %}

# CHAT DEMO
# ------------------------------------------------------------------------------
# One connection may send CHAT_RATE_LIMIT messages per CHAT_RATE_PERIOD seconds; more get a 429 frame.
CHAT_RATE_LIMIT = env.int("CHAT_RATE_LIMIT", default=20)
CHAT_RATE_PERIOD = env.float("CHAT_RATE_PERIOD", default=10.0)
# A presence not refreshed for this many seconds was left by a server process that died: it is cleared.
CHAT_PRESENCE_TTL = env.int("CHAT_PRESENCE_TTL", default=90)
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
