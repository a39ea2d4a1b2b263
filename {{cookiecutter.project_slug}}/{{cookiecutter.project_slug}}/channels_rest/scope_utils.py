"""Django requests built from a websocket scope.

Serializers, DRF permissions and wrapped Django views expect an ``HttpRequest``.
The one built here carries what the handshake carried: path, query string
(``request.GET``), headers under their standard ``META`` names
(``HTTP_AUTHORIZATION``, ``CONTENT_TYPE``...), cookies, the session and the
user (an ``AnonymousUser`` instance when the scope has none).
"""

import io

from asgiref.sync import iscoroutinefunction
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from rest_framework.request import Request

# Websocket schemes mapped to the HTTP schemes Django reasons about (is_secure(), build_absolute_uri()).
HTTP_SCHEMES = {"ws": "http", "wss": "https"}


class ScopeRequest(ASGIRequest):
    """An ``ASGIRequest`` for a websocket scope, with the method and body of one action."""

    def __init__(self, scope, method="GET", body=b"", content_type=None, query_string=None):
        http_scope = {**scope, "method": method}
        if query_string is not None:
            http_scope["query_string"] = query_string
        if content_type is not None:
            # Replace the handshake's own content type and length by those of the action's body.
            http_scope["headers"] = [
                (name, value)
                for name, value in scope.get("headers", ())
                if name.lower() not in (b"content-type", b"content-length")
            ] + [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        super().__init__(http_scope, io.BytesIO(body))
        self.user = scope_user(scope)
        if "session" in scope:
            self.session = scope["session"]

    def _get_scheme(self):
        scheme = self.scope.get("scheme")
        return HTTP_SCHEMES.get(scheme, scheme) or super()._get_scheme()


def scope_user(scope):
    """The scope's user, or an ``AnonymousUser`` instance when authentication middleware is absent."""
    user = scope.get("user")
    return AnonymousUser() if user is None else user


def request_from_scope(scope, method="GET"):
    """A Django request describing the websocket handshake, as seen by code written for HTTP."""
    return ScopeRequest(scope, method=method)


def api_request_from_scope(scope, method="GET"):
    """A DRF ``Request`` for the scope, authenticated as the scope's user.

    The user comes from the handshake, so DRF's authentication classes are not
    run again (session authentication would demand a CSRF token a websocket
    cannot send).
    """
    request = ScopeRequest(scope, method=method)
    request._force_auth_user = request.user
    return Request(request)


def ensure_async(method):
    """Return ``method`` as a coroutine function; a sync one runs in a database-safe thread."""
    if iscoroutinefunction(method):
        return method
    return database_sync_to_async(method)
