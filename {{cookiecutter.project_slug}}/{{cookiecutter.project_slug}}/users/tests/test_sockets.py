"""Websockets end with their session: logout, a new password, deactivation and deletion close them.

Through the site's real websocket stack (origin check, session, authentication), on whichever channel
layer the settings give: the in-memory one, or channels-redis on a real Redis when REDIS_URL is set.
"""

import pytest
from channels.db import database_sync_to_async
from channels.routing import get_default_application
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ..sockets import SIGNED_OUT_CLOSE_CODE

pytestmark = pytest.mark.django_db(transaction=True)

# The promise: a socket is closed within a second of its session ending.
CLOSE_WITHIN = 1
# Long enough for every socket of the user to have read its session again after the news.
SETTLE = 0.3


@database_sync_to_async
def signed_in(user):
    """A browser session of ``user``: a test client logged in, with its own session cookie."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def socket_of(open_socket):
    """Open ``ws/ping/`` with the session cookie of a signed-in client."""

    async def open_(client):
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        socket = await open_socket(get_default_application(), "/ws/ping/", headers=[(b"cookie", cookie.encode())])
        assert socket.accepted
        return socket

    return open_


async def assert_answers(socket, username):
    await socket.send_json_to({"hello": "still here"})
    assert await socket.receive_json_from(timeout=5) == {
        "type": "pong",
        "echo": {"hello": "still here"},
        "user": username,
    }


async def assert_signed_out(socket):
    assert await socket.receive_output(timeout=CLOSE_WITHIN) == {
        "type": "websocket.close",
        "code": SIGNED_OUT_CLOSE_CODE,
    }


async def test_logout_closes_the_sockets_of_that_session_only(socket_of, user, other_user):
    leaving, staying = await signed_in(user), await signed_in(user)
    first, second = await socket_of(leaving), await socket_of(leaving)
    same_user_elsewhere = await socket_of(staying)
    someone_else = await socket_of(await signed_in(other_user))
    await assert_answers(first, "alice")

    response = await database_sync_to_async(leaving.post)(reverse("users:logout"))
    assert response.status_code == 302

    await assert_signed_out(first)
    await assert_signed_out(second)
    assert await same_user_elsewhere.receive_nothing(timeout=SETTLE)
    await assert_answers(same_user_elsewhere, "alice")
    await assert_answers(someone_else, "bob")


async def test_a_new_password_closes_every_session_of_the_user(socket_of, user, other_user):
    sockets = [await socket_of(await signed_in(user)) for _ in range(2)]
    someone_else = await socket_of(await signed_in(other_user))

    def change_password():
        user.set_password("a brand new passphrase")
        user.save()

    await database_sync_to_async(change_password)()

    for socket in sockets:
        await assert_signed_out(socket)
    await assert_answers(someone_else, "bob")


async def test_deactivating_the_account_closes_its_sockets(socket_of, user):
    socket = await socket_of(await signed_in(user))
    user.is_active = False
    await database_sync_to_async(user.save)()
    await assert_signed_out(socket)


async def test_deleting_the_account_closes_its_sockets(socket_of, user):
    socket = await socket_of(await signed_in(user))
    await database_sync_to_async(user.delete)()
    await assert_signed_out(socket)


async def test_other_changes_to_the_account_keep_its_sockets(socket_of, user):
    socket = await socket_of(await signed_in(user))
    user.email = "alice@elsewhere.example"
    await database_sync_to_async(user.save)()
    assert await socket.receive_nothing(timeout=SETTLE)
    await assert_answers(socket, "alice")


async def test_a_socket_is_told_even_when_another_socket_of_the_user_rechecks_first(socket_of, user):
    """Every socket reads its own session: a logout in one tab never spares a second tab of that session."""
    session = await signed_in(user)
    sockets = [await socket_of(session) for _ in range(5)]
    await database_sync_to_async(session.post)(reverse("users:logout"))
    for socket in sockets:
        await assert_signed_out(socket)
