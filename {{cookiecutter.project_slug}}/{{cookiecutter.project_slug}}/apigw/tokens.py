"""One-time connection tokens: a signed-in page asks for one, the gateway's ``$connect`` spends it.

A browser cannot send its session cookie to the gateway's domain, so the page posts to the site for a token
(``websocket_token``) and puts it in the websocket URL (``?ws_token=``). A token is random, lives
``APIGW_TOKEN_TTL`` seconds, is bound to the session it was issued to, and works once; only its sha256 is stored.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from .hashing import session_key_hash, token_hash
from .models import WebSocketToken

TOKEN_BYTES = 32
RATE_WINDOW = 60  # seconds: APIGW_TOKENS_PER_MINUTE counts the tokens issued in this window


class TokenError(Exception):
    """A token that cannot open a connection; ``reason`` is one of the class attributes below, for logs."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    SESSION_MISMATCH = "session mismatch"
    INACTIVE_USER = "inactive user"

    def __init__(self, reason):
        super().__init__(f"Websocket token refused: {reason}.")
        self.reason = reason


def issue_token(user, session_key):
    """A new token for ``user`` in the session ``session_key``: returns ``(token, expires_in_seconds)``."""
    if not session_key:
        raise ValueError("A websocket token is bound to a session: session_key is empty.")
    ttl = settings.APIGW_TOKEN_TTL
    now = timezone.now()
    # The user's dead tokens go: expired, and out of the rate limit's minute.
    WebSocketToken.objects.filter(
        user=user, expires_at__lt=now, created_at__lt=now - timedelta(seconds=RATE_WINDOW)
    ).delete()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    WebSocketToken.objects.create(
        token_hash=token_hash(token),
        user=user,
        session_key_hash=session_key_hash(session_key),
        expires_at=now + timedelta(seconds=ttl),
    )
    return token, ttl


def tokens_issued_recently(user):
    """How many tokens ``user`` was given in the last minute: the rate limit, counted in the database."""
    since = timezone.now() - timedelta(seconds=RATE_WINDOW)
    return WebSocketToken.objects.filter(user=user, created_at__gte=since).count()


def consume_token(token, session_key):
    """Spend ``token`` for the session ``session_key`` and return its user; raise TokenError when refused.

    The token is spent by one conditional UPDATE (unused, unexpired, this session, an active user), so of
    requests racing with the same token exactly one wins, on every database, with no lock held in between.
    Every condition on the token's own columns stays in the UPDATE's WHERE clause (the user is matched by a
    subquery, not a join, which Django would turn into ``id IN (SELECT ...)``): PostgreSQL re-checks those
    columns on the row a concurrent winner committed, but not a subquery's rows read before it.
    Only a refused token is read again, to say why. The session must be the one the token was issued to: a
    token leaked from a URL is useless without that browser's session cookie.
    """
    if not token or not isinstance(token, str):
        raise TokenError(TokenError.UNKNOWN)
    now = timezone.now()
    rows = WebSocketToken.objects.filter(token_hash=token_hash(token))
    spent = rows.filter(
        used_at__isnull=True,
        expires_at__gt=now,
        session_key_hash=session_key_hash(session_key) if session_key else None,
        user_id__in=get_user_model().objects.filter(is_active=True).values("pk"),
    ).update(used_at=now)
    row = rows.select_related("user").first()
    if spent:
        return row.user
    raise TokenError(refusal(row, session_key, now))


def refusal(row, session_key, now):
    """Why the token ``row`` (None: no such token) was not spent."""
    if row is None:
        return TokenError.UNKNOWN
    if row.used_at is not None:
        return TokenError.USED
    if row.expires_at <= now:
        return TokenError.EXPIRED
    if not session_key or row.session_key_hash != session_key_hash(session_key):
        return TokenError.SESSION_MISMATCH
    return TokenError.INACTIVE_USER
