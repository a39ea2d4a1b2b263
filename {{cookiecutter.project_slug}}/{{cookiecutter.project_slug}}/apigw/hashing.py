"""Keyed hashes that let rows refer to secrets (tokens, session keys, password hashes) without holding them."""

import hashlib

from django.utils.crypto import salted_hmac

SESSION_SALT = "apigw.session_key"
AUTH_SALT = "apigw.auth"


def token_hash(token):
    """The sha256 hex of a connection token: the token is random enough that no key is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def session_key_hash(session_key):
    """A keyed HMAC (SECRET_KEY) of a Django session key, so rows bind to a session without storing its key."""
    return salted_hmac(SESSION_SALT, session_key, algorithm="sha256").hexdigest()


def auth_hash(user):
    """A keyed HMAC of the user's password hash: it changes with the password, which ends the user's connections."""
    return salted_hmac(AUTH_SALT, user.password, algorithm="sha256").hexdigest()
