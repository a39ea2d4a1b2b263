"""The ``CHANNELS_SPECTACULAR_SETTINGS`` setting, read live.

Every attribute access reads the project's dict again, so ``override_settings`` applies at once.
A key the project sets but no code knows is reported by the system check ``asyncapi.E002``
rather than silently ignored (a misspelt ``TRY_IT_OUT_ENABLD`` would otherwise do nothing).
"""

from django.conf import settings

REACT_COMPONENT = "https://unpkg.com/@asyncapi/react-component@3.2.1"

DEFAULTS = {
    "TITLE": "WebSocket API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "",
    # A verbatim AsyncAPI ``servers`` map; None derives one server from the request (or --host/--protocol).
    "SERVERS": None,
    "WS_HOST": None,
    "WS_PROTOCOL": None,
    # None: the site's own JWT_AUTH_COOKIE_NAME / JWT_AUTH_QUERY_PARAM.
    "AUTH_COOKIE_NAME": None,
    "AUTH_QUERY_PARAM": None,
    "TRY_IT_OUT_ENABLED": False,
    "TRY_IT_OUT_EXPANDED": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    # "site": the page renders the document itself (works offline); "asyncapi-react": the official component.
    "VIEWER": "site",
    # The official component's standalone bundle: a URL, or a static path resolved with ``static()``.
    "VIEWER_JS_URL": f"{REACT_COMPONENT}/browser/standalone/index.js",
    "VIEWER_CSS_URL": f"{REACT_COMPONENT}/styles/default.min.css",
    "VIEWER_JS_INTEGRITY": "sha384-wy5bSOazlkSKMGH7XMW6+pK8ho8+rCPr7mTqKdAb/dvfwXAPWCFivgr3C7wJMFAh",
    "VIEWER_CSS_INTEGRITY": "sha384-oo9RoQcacP++XdMX6CjTucTvASEORHX3chFik0/V2kHcsHiVboGyWZztGeq/0bum",
}

# Defaults that follow another Django setting, read when the key is.
SITE_DEFAULTS = {
    "AUTH_COOKIE_NAME": "JWT_AUTH_COOKIE_NAME",
    "AUTH_QUERY_PARAM": "JWT_AUTH_QUERY_PARAM",
}


class AsyncAPISettings:
    """``asyncapi_settings.TITLE`` is the project's value, else the default, at every access."""

    @property
    def user_settings(self):
        return getattr(settings, "CHANNELS_SPECTACULAR_SETTINGS", None) or {}

    def __getattr__(self, key):
        if key not in DEFAULTS:
            raise AttributeError(f"Invalid CHANNELS_SPECTACULAR_SETTINGS key: {key!r}")
        value = self.user_settings.get(key, DEFAULTS[key])
        if value is None and key in SITE_DEFAULTS:
            value = getattr(settings, SITE_DEFAULTS[key])
        return value

    def unknown_keys(self):
        """The keys of the project's dict that no code reads, sorted."""
        return sorted(set(self.user_settings) - set(DEFAULTS))


asyncapi_settings = AsyncAPISettings()
