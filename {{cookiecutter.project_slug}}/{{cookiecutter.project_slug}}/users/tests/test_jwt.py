"""Access tokens (djangorestframework-simplejwt) sign websockets and REST requests in, or are refused.

Through the site's real stacks: ``config.asgi`` for websockets, the URLconf for REST, and daphne itself
for what reaches its access log.
"""

import base64
import json
import os
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from channels.db import database_sync_to_async
from channels.routing import get_default_application
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from ..socket_tokens import REFUSED_CLOSE_CODE
from ..sockets import SIGNED_OUT_CLOSE_CODE

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def access_token(user):
    return str(AccessToken.for_user(user))


def expired_token(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    return str(token)


def tampered_token(user, other_user):
    """``user``'s token with the payload changed to name ``other_user``, the signature left as it was."""
    header, payload, signature = access_token(user).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(other_user.pk)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.fixture
def socket_with(open_socket):
    """Open ``ws/ping/`` carrying a token in the query string and/or the cookie, and/or a session."""

    async def open_(query_token=None, cookie_token=None, session_user=None, path="/ws/ping/"):
        if query_token is not None:
            path = f"{path}?{settings.JWT_AUTH_QUERY_PARAM}={query_token}"
        headers = []
        if cookie_token is not None:
            headers.append((b"cookie", f"{settings.JWT_AUTH_COOKIE_NAME}={cookie_token}".encode()))
        return await open_socket(get_default_application(), path, user=session_user, headers=headers)

    return open_


async def pong_user(socket):
    """The username the ping consumer sees on this socket (``None`` for anonymous)."""
    assert socket.accepted
    await socket.send_json_to({"who": "am I"})
    return (await socket.receive_json_from(timeout=5))["user"]


@pytest.mark.parametrize("where", ["query_token", "cookie_token"])
async def test_a_token_signs_the_socket_in_as_its_user(socket_with, user, where):
    socket = await socket_with(**{where: access_token(user)})
    assert await pong_user(socket) == "alice"


async def test_the_session_alone_still_signs_the_socket_in(socket_with, user):
    assert await pong_user(await socket_with(session_user=user)) == "alice"


async def test_a_token_wins_over_the_session(socket_with, user, other_user):
    socket = await socket_with(cookie_token=access_token(user), session_user=other_user)
    assert await pong_user(socket) == "alice"


async def test_the_query_parameter_wins_over_the_cookie(socket_with, user, other_user):
    socket = await socket_with(query_token=access_token(user), cookie_token=access_token(other_user))
    assert await pong_user(socket) == "alice"


@pytest.mark.parametrize("where", ["query_token", "cookie_token"])
async def test_an_empty_token_is_no_token(socket_with, where):
    assert await pong_user(await socket_with(**{where: ""})) is None


async def token_for(case, user, other_user):
    """A token that must be refused, and what happened to the account before the handshake."""
    if case == "malformed":
        return "not-a-token"
    if case == "tampered":
        return tampered_token(user, other_user)
    if case == "expired":
        return expired_token(user)
    if case == "refresh token":
        return str(RefreshToken.for_user(user))
    if case == "signed with another key":
        return str(AccessToken.for_user(user)).rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    token = access_token(user)
    if case == "inactive account":
        user.is_active = False
        await database_sync_to_async(user.save)()
    elif case == "deleted account":
        await database_sync_to_async(user.delete)()
    elif case == "password changed since":
        user.set_password("a brand new passphrase")
        await database_sync_to_async(user.save)()
    return token


REFUSED = [
    "malformed",
    "tampered",
    "expired",
    "refresh token",
    "signed with another key",
    "inactive account",
    "deleted account",
    "password changed since",
]


@pytest.mark.parametrize("where", ["query_token", "cookie_token"])
@pytest.mark.parametrize("case", REFUSED)
async def test_a_token_that_is_not_valid_refuses_the_handshake(socket_with, user, other_user, case, where):
    token = await token_for(case, user, other_user)
    socket = await socket_with(**{where: token})
    assert not socket.accepted


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("expired", "the token in the cookie is not valid: Token is expired"),
        ("refresh token", "the token in the cookie is not valid: Token has wrong type"),
        ("inactive account", "the token in the cookie is not valid: User is inactive"),
    ],
)
async def test_a_refusal_is_logged_with_its_reason(socket_with, user, other_user, caplog, case, reason):
    token = await token_for(case, user, other_user)
    await socket_with(cookie_token=token)
    assert [record.getMessage() for record in caplog.records if record.name.endswith("socket_tokens")] == [
        f"Refused a websocket to /ws/ping/: {reason}"
    ]


async def test_a_bad_token_is_refused_even_with_a_valid_session(socket_with, user):
    socket = await socket_with(cookie_token=expired_token(user), session_user=user)
    assert not socket.accepted


async def test_a_repeated_query_token_is_refused(open_socket, user, other_user):
    name = settings.JWT_AUTH_QUERY_PARAM
    path = f"/ws/ping/?{name}={access_token(user)}&{name}={access_token(other_user)}"
    assert not (await open_socket(get_default_application(), path)).accepted


async def test_a_refused_handshake_closes_with_the_refusal_code():
    """Before the accept, so daphne answers HTTP 403; ASGI test clients see the code."""
    communicator = WebsocketCommunicator(
        get_default_application(),
        f"/ws/ping/?{settings.JWT_AUTH_QUERY_PARAM}=not-a-token",
        headers=[(b"origin", b"http://localhost")],
    )
    assert await communicator.connect() == (False, REFUSED_CLOSE_CODE)


async def test_an_open_token_socket_ends_with_a_new_password(socket_with, user):
    socket = await socket_with(query_token=access_token(user))
    assert await pong_user(socket) == "alice"

    def change_password():
        user.set_password("a brand new passphrase")
        user.save()

    await database_sync_to_async(change_password)()
    assert await socket.receive_output(timeout=1) == {"type": "websocket.close", "code": SIGNED_OUT_CLOSE_CODE}


async def test_an_open_token_socket_ends_with_its_account(socket_with, user, other_user):
    deactivated = await socket_with(query_token=access_token(user))
    deleted = await socket_with(cookie_token=access_token(other_user))
    user.is_active = False
    await database_sync_to_async(user.save)()
    await database_sync_to_async(other_user.delete)()
    for ended in (deactivated, deleted):
        assert await ended.receive_output(timeout=1) == {"type": "websocket.close", "code": SIGNED_OUT_CLOSE_CODE}


async def test_a_logout_leaves_the_token_sockets_of_the_user_open(socket_with, user):
    """A logout ends one browser session; a token socket belongs to none."""
    token_socket = await socket_with(query_token=access_token(user))
    browser = Client()
    await database_sync_to_async(browser.force_login)(user)
    response = await database_sync_to_async(browser.post)(reverse("users:logout"))
    assert response.status_code == 302
    assert await token_socket.receive_nothing(timeout=0.3)
    assert await pong_user(token_socket) == "alice"


def obtain(username="alice", password=PASSWORD):
    return APIClient().post(reverse("token_obtain_pair"), {"username": username, "password": password}, format="json")


def refresh(token):
    return APIClient().post(reverse("token_refresh"), {"refresh": token}, format="json")


async def test_an_obtained_and_a_refreshed_token_sign_sockets_in(socket_with, user):
    pair = (await database_sync_to_async(obtain)()).json()
    assert sorted(pair) == ["access", "refresh"]
    refreshed = await database_sync_to_async(refresh)(pair["refresh"])
    assert refreshed.status_code == 200
    for token in (pair["access"], refreshed.json()["access"]):
        assert await pong_user(await socket_with(query_token=token)) == "alice"


def test_no_token_for_a_wrong_password(user):
    response = obtain(password="not the password")
    assert response.status_code == 401
    assert "access" not in response.json()


def test_an_access_token_cannot_be_refreshed(user):
    assert refresh(access_token(user)).status_code == 401


@pytest.mark.parametrize("change", ["deactivated", "deleted", "new password"])
def test_no_refresh_once_the_account_changed(user, change):
    token = str(RefreshToken.for_user(user))
    if change == "deactivated":
        user.is_active = False
        user.save()
    elif change == "deleted":
        user.delete()
    else:
        user.set_password("a brand new passphrase")
        user.save()
    response = refresh(token)
    assert response.status_code == 401
    assert "access" not in response.json()
{%- if cookiecutter.use_user_consumers %}


def bearer(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_bearer_token_signs_rest_requests_in(user):
    response = bearer(access_token(user)).get(f"/api/users/{user.pk}/")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_a_bearer_token_that_is_not_valid_is_refused(user):
    response = bearer(expired_token(user)).get(f"/api/users/{user.pk}/")
    assert response.status_code == 403
    assert response.json()["code"] == "token_not_valid"
{%- endif %}


def websocket_handshake(url, path):
    """The status line daphne answers a websocket handshake for ``path`` with."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        key = base64.b64encode(os.urandom(16)).decode()
        connection.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\nOrigin: http://localhost\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        return connection.recv(4096).split(b"\r\n", 1)[0].decode()


def test_the_query_token_stays_out_of_the_server_log(site_server, user):
    """daphne logs a websocket's path without its query string, for accepted and refused sockets alike."""
    good, bad = access_token(user), expired_token(user)
    name = settings.JWT_AUTH_QUERY_PARAM

    assert websocket_handshake(site_server.url, f"/ws/ping/?{name}={good}") == "HTTP/1.1 101 Switching Protocols"
    assert websocket_handshake(site_server.url, f"/ws/ping/?{name}={bad}").startswith("HTTP/1.1 403")
    site_server.stop()  # daphne writes out its log as it exits

    log = site_server.log()
    assert '"WSCONNECT /ws/ping/"' in log
    assert '"WSREJECT /ws/ping/"' in log
    assert "Refused a websocket to /ws/ping/: the token in the query parameter is not valid" in log
    for secret in (good, bad, *good.split("."), *bad.split(".")):
        assert secret not in log
