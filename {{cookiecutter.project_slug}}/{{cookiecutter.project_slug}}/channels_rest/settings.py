"""The ``DJANGO_CHANNELS_REST_API`` setting, read lazily.

Every attribute access reads ``settings.DJANGO_CHANNELS_REST_API`` again, so
``override_settings`` and settings changed at runtime reach classes that were
defined long before: nothing is captured at import time. Dotted paths are
imported once per distinct value.
"""

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS = {
    "DEFAULT_PERMISSION_CLASSES": ("{{ cookiecutter.project_slug }}.channels_rest.permissions.AllowAny",),
    "DEFAULT_PAGINATION_CLASS": None,
    "PAGE_SIZE": None,
    # A text or binary frame of more bytes closes the socket with code 4009 (frames.TOO_BIG_CLOSE_CODE).
    "MAX_FRAME_SIZE": 64 * 1024,
    # Objects and lists nested deeper in a frame get a 400 frame.
    "MAX_JSON_DEPTH": 32,
    # Subscriptions (group and request id pairs) one socket may hold; more get a 429 frame. None: no limit.
    "MAX_SUBSCRIPTIONS_PER_CONNECTION": 100,
}

# Keys whose values are dotted paths (or lists of them) to import.
IMPORT_STRINGS = {"DEFAULT_PERMISSION_CLASSES", "DEFAULT_PAGINATION_CLASS"}


def perform_import(value):
    """Import a dotted path, or each dotted path of a list; anything else is returned as is."""
    if isinstance(value, str):
        return import_string(value)
    if isinstance(value, list | tuple):
        return [import_string(item) if isinstance(item, str) else item for item in value]
    return value


class APISettings:
    """``api_settings.PAGE_SIZE`` reads the project's value, or the default, at every access."""

    def __init__(self, defaults=None, import_strings=None):
        self.defaults = DEFAULTS if defaults is None else defaults
        self.import_strings = IMPORT_STRINGS if import_strings is None else import_strings
        self._imported = {}

    @property
    def user_settings(self):
        return getattr(settings, "DJANGO_CHANNELS_REST_API", None) or {}

    def __getattr__(self, attr):
        if attr not in self.defaults:
            raise AttributeError(f"Invalid DJANGO_CHANNELS_REST_API setting: {attr!r}")
        value = self.user_settings.get(attr, self.defaults[attr])
        if attr not in self.import_strings:
            return value
        # Importing costs more than a lookup: keep the result while the raw value is the same object.
        raw, imported = self._imported.get(attr, (None, None))
        if raw is not value:
            imported = perform_import(value)
            self._imported[attr] = (value, imported)
        return imported

    def reload(self):
        self._imported.clear()


api_settings = APISettings()


def reload_api_settings(*args, **kwargs):
    """DCRF's public name for ``api_settings.reload()``; takes a ``setting_changed`` receiver's arguments."""
    api_settings.reload()


class SettingDefault:
    """A class attribute whose default comes from ``api_settings`` at each access.

    ``permission_classes = SettingDefault("DEFAULT_PERMISSION_CLASSES")`` behaves
    like a plain class attribute that subclasses and instances may override,
    but follows the setting when they do not.
    """

    def __init__(self, key):
        self.key = key

    def __get__(self, instance, owner=None):
        return getattr(api_settings, self.key)
