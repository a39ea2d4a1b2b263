"""Websockets signed in by a JSON web token instead of the session.

Mobile and API clients have no session cookie: they get an access token from ``/api/token/``
(djangorestframework-simplejwt) and send it with the handshake, in the query parameter
``JWT_AUTH_QUERY_PARAM`` or the cookie ``JWT_AUTH_COOKIE_NAME``. ``TokenAuthMiddleware`` validates it
as the REST API's ``Authorization: Bearer`` is validated (simplejwt's ``JWTAuthentication``, so the same
``SIMPLE_JWT`` settings apply) and signs the socket in as the token's user.

A token that is sent decides, whatever the session says: the query parameter first, then the cookie,
and the session only when neither is sent. A token that is sent but not valid (malformed, tampered
with, expired, a refresh token, an inactive or deleted account, issued before the last password change)
refuses the handshake: the client asked to be someone and cannot be, so it is not let in as anonymous
or as the session's user either.
"""

import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication

logger = logging.getLogger(__name__)

# What the application closes a refused handshake with; daphne answers any close before the accept with
# HTTP 403, so a browser sees no code (1006), while ASGI test clients see this one.
REFUSED_CLOSE_CODE = 4403


class InvalidSocketToken(Exception):
    """A token sent with a handshake that signs nobody in; the message says why, never the token."""


def sent_token(scope):
    """``(where, token)`` of the token a handshake carries, or ``None``; an empty value counts as none.

    The query parameter must appear once: two tokens would leave it to this code to pick a user.
    """
    values = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True).get(
        settings.JWT_AUTH_QUERY_PARAM, []
    )
    if len(values) > 1:
        raise InvalidSocketToken(f"the query parameter {settings.JWT_AUTH_QUERY_PARAM!r} is repeated")
    if values and values[0]:
        return "query parameter", values[0]
    cookie = scope.get("cookies", {}).get(settings.JWT_AUTH_COOKIE_NAME)
    if cookie:
        return "cookie", cookie
    return None


@database_sync_to_async
def token_user(token):
    """The active user a validated token signs in, under the REST API's rules; raises ``AuthenticationFailed``."""
    return JWTAuthentication().get_user(token)


def failure_reason(exc):
    """simplejwt's own words for a refusal ("Token is expired", "User is inactive"...), for the log."""
    detail = exc.detail
    if isinstance(detail, dict):
        messages = detail.get("messages") or [detail]
        return str(messages[0].get("message", messages[0].get("detail", "")))
    return str(detail)


async def token_credentials(scope):
    """``(user, token)`` for the token the handshake carries, ``None`` without one; raises ``InvalidSocketToken``."""
    found = sent_token(scope)
    if found is None:
        return None
    where, raw_token = found
    try:
        token = JWTAuthentication().get_validated_token(raw_token.encode())
        return await token_user(token), token
    except AuthenticationFailed as exc:
        raise InvalidSocketToken(f"the token in the {where} is not valid: {failure_reason(exc)}") from None


class TokenAuthMiddleware:
    """Signs a websocket in by the access token of its handshake, or refuses it.

    Goes inside ``AuthMiddlewareStack`` (which reads the cookies and the session) and outside
    ``SessionEndMiddleware``. A socket signed in by a token gets the token as ``scope["auth"]`` (as DRF's
    ``request.auth``) and no ``scope["session"]``: it belongs to no browser session, so no logout ends it
    and nothing a consumer writes to a session leaks into the browser's.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        try:
            credentials = await token_credentials(scope)
        except InvalidSocketToken as exc:
            return await self.refuse(scope, receive, send, exc)
        if credentials is None:
            return await self.inner(scope, receive, send)
        user, token = credentials
        signed_in = {key: value for key, value in scope.items() if key != "session"}
        return await self.inner({**signed_in, "user": user, "auth": token}, receive, send)

    async def refuse(self, scope, receive, send, reason):
        """Close before accepting: the server answers the handshake with HTTP 403."""
        logger.warning("Refused a websocket to %s: %s", scope["path"], reason)
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": REFUSED_CLOSE_CODE})
