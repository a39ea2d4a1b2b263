"""RoomConsumer over the site's real ASGI stack: every action, the presence list, and every refusal."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import get_default_application
from django.core.cache import caches
from django.db import OperationalError
from django.utils import timezone

from {{ cookiecutter.project_slug }}.channels_rest.testing import ApiCommunicator
from {{ cookiecutter.project_slug }}.conftest import session_cookie

from ..consumers import RoomConsumer
from ..models import Message, Presence, Room
from ..throttling import MessageRate

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/chat/room/"
QUIET = 0.5  # seconds a socket is watched to show that nothing arrives


def usernames(frame):
    return [user["username"] for user in frame["data"]["current_users"]]


@database_sync_to_async
def post(room, user, *texts):
    return [Message.objects.create(room=room, user=user, text=text) for text in texts]


@database_sync_to_async
def stored_texts():
    return list(Message.objects.values_list("text", flat=True))


async def joined(connect, user, room):
    """A socket of ``user`` in ``room``, past its join reply and its own update_users frame."""
    socket = await connect(PATH, user=user)
    await join(socket, room)
    return socket


async def join(socket, room):
    reply = await socket.request("join_room", pk=room.pk, request_id="presence")
    assert reply["response_status"] == 200
    assert (await socket.receive_json_from())["action"] == "update_users"


def presence_refreshes():
    """The running presence-refresh tasks of this test's sockets."""
    return {task for task in asyncio.all_tasks() if task.get_name() == "keep_presence" and not task.done()}


async def ending_member(user, room):
    """A socket in ``room`` that the test ends itself, and its presence-refresh task.

    Opened outside the ``connect`` fixture, which would close it again at the end of the test.
    """
    cookie = (await session_cookie(user)).encode()
    socket = ApiCommunicator(
        get_default_application(), PATH, headers=[(b"origin", b"http://localhost"), (b"cookie", cookie)]
    )
    await socket.connect()
    before = presence_refreshes()
    await join(socket, room)
    (refresh,) = presence_refreshes() - before
    return socket, refresh


@database_sync_to_async
def presences_of(user):
    return list(Presence.objects.filter(user=user).values_list("channel_name", flat=True))


async def test_anonymous_sockets_are_refused_at_the_handshake(connect):
    assert not (await connect(PATH)).accepted


async def test_retrieve_gives_the_room_with_its_latest_messages(connect, user, other_user, room):
    await post(room, other_user, "first", "second")
    socket = await joined(connect, user, room)
    reply = await socket.request("retrieve", pk=room.pk, request_id=1)
    assert reply["response_status"] == 200
    assert reply["request_id"] == 1
    data = reply["data"]
    assert (data["pk"], data["name"], data["host"]) == (room.pk, "lobby", {"pk": user.pk, "username": "alice"})
    assert [(message["user"]["username"], message["text"]) for message in data["messages"]] == [
        ("bob", "first"),
        ("bob", "second"),
    ]
    assert data["has_more_messages"] is False
    assert data["current_users"] == [{"pk": user.pk, "username": "alice"}]


READING = [
    ("retrieve", {}),
    ("subscribe_instance", {}),
    ("subscribe_to_messages_in_room", {}),
    ("list_messages", {}),
    ("list_messages", {"after": 0}),
]


@pytest.mark.parametrize(("action", "arguments"), READING)
async def test_reading_a_room_requires_having_joined_it(connect, user, other_user, room, action, arguments):
    garden = await database_sync_to_async(Room.objects.create)(name="garden", host=other_user)
    await post(room, other_user, "not for outsiders")
    socket = await joined(connect, user, garden)  # in a room, but not in this one
    reply = await socket.request(action, pk=room.pk, **arguments)
    assert (reply["action"], reply["response_status"], reply["errors"], reply["data"]) == (
        action,
        403,
        ["Join the room before reading it."],
        None,
    )
    await socket.request("join_room", pk=room.pk)
    assert (await socket.receive_json_from())["action"] == "update_users"
    assert (await socket.request(action, pk=room.pk, **arguments))["response_status"] in (200, 201)


async def test_leaving_a_room_ends_reading_it(connect, user, other_user, room):
    bob = await joined(connect, other_user, room)
    alice = await joined(connect, user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    assert (await alice.request("subscribe_to_messages_in_room", pk=room.pk))["response_status"] == 201
    assert (await alice.request("subscribe_instance", pk=room.pk))["response_status"] == 201
    await alice.request("leave_room", pk=room.pk)
    assert usernames(await bob.receive_json_from()) == ["bob"]

    assert (await bob.request("create_message", message="alice is gone"))["response_status"] == 201
    room.name = "great hall"
    await database_sync_to_async(room.save)()
    assert await alice.receive_nothing(QUIET)
    assert (await alice.request("retrieve", pk=room.pk))["response_status"] == 403


async def test_unknown_room_is_404(connect, user):
    socket = await connect(PATH, user=user)
    for action in ("retrieve", "join_room", "subscribe_to_messages_in_room", "list_messages", "leave_room"):
        reply = await socket.request(action, pk=999)
        assert (reply["action"], reply["response_status"]) == (action, 404)


async def test_everyone_in_the_room_sees_who_joins_and_leaves(connect, user, other_user, room):
    alice = await connect(PATH, user=user)
    reply = await alice.request("join_room", pk=room.pk, request_id="presence")
    assert reply["response_status"] == 200
    assert reply["data"] == {"room": room.pk, "current_users": [{"pk": user.pk, "username": "alice"}]}
    pushed = await alice.receive_json_from()
    assert (pushed["action"], pushed["request_id"], usernames(pushed)) == ("update_users", "presence", ["alice"])

    bob = await connect(PATH, user=other_user)
    assert usernames(await bob.request("join_room", pk=room.pk)) == ["alice", "bob"]
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]  # the joiner is told too
    assert usernames(await alice.receive_json_from()) == ["alice", "bob"]

    left = await bob.request("leave_room", pk=room.pk)
    assert (left["response_status"], usernames(left)) == (200, ["alice"])
    assert usernames(await alice.receive_json_from()) == ["alice"]
    assert await bob.receive_nothing(QUIET)  # having left, bob no longer hears about the room


async def test_a_lost_connection_leaves_the_room(connect, user, other_user, room):
    alice = await joined(connect, user, room)
    bob = await joined(connect, other_user, room)
    assert usernames(await alice.receive_json_from()) == ["alice", "bob"]
    await bob.disconnect()
    assert usernames(await alice.receive_json_from()) == ["alice"]
    assert await presences_of(other_user) == []
    assert len(presence_refreshes()) == 1  # alice's


async def test_a_consumer_ended_by_an_error_leaves_the_room(connect, user, other_user, room):
    bob = await joined(connect, other_user, room)
    alice, refresh = await ending_member(user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    (channel,) = await presences_of(user)
    await get_channel_layer().send(channel, {"type": "no.such.handler"})  # Channels' dispatch raises
    with pytest.raises(ValueError, match="No handler for message type no.such.handler"):
        await alice.wait(timeout=5)
    assert usernames(await bob.receive_json_from()) == ["bob"]
    assert await presences_of(user) == []
    assert refresh.done()


async def test_a_cancelled_consumer_leaves_the_room(connect, user, other_user, room):
    """As daphne cancels every application when it shuts down, or one slow to close after its client left."""
    bob = await joined(connect, other_user, room)
    alice, refresh = await ending_member(user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    alice.future.cancel()
    await alice.wait(timeout=5)
    assert alice.future.cancelled()
    assert usernames(await bob.receive_json_from()) == ["bob"]
    assert await presences_of(user) == []
    assert refresh.done()


async def test_the_presence_refresh_stops_with_its_connection_even_if_cleanup_fails(
    connect, user, room, settings, monkeypatch
):
    settings.CHAT_PRESENCE_TTL = 0.3  # refreshed every 0.1 s

    async def cancel_detached_tasks(self, name=None):
        raise RuntimeError("the cleanup failed")

    monkeypatch.setattr(RoomConsumer, "cancel_detached_tasks", cancel_detached_tasks)
    alice, refresh = await ending_member(user, room)
    with pytest.raises(RuntimeError, match="the cleanup failed"):
        await alice.disconnect(timeout=5)
    await asyncio.wait_for(refresh, timeout=5)  # it noticed by itself that its connection ended
    assert not refresh.cancelled()
    assert await presences_of(user) == []  # the steps after the failing one still ran


@database_sync_to_async
def seen_ago(room, user, seconds, channel_name):
    Presence.objects.create(
        room=room, user=user, channel_name=channel_name, last_seen=timezone.now() - timedelta(seconds=seconds)
    )


async def test_a_presence_not_refreshed_within_the_ttl_is_no_longer_listed(
    connect, user, other_user, staff_user, room, settings
):
    settings.CHAT_PRESENCE_TTL = 90
    await seen_ago(room, user, 80, "alice's, whose process is alive")
    await seen_ago(room, other_user, 100, "bob's, whose process was killed")
    carol = await joined(connect, staff_user, room)
    reply = await carol.request("retrieve", pk=room.pk)
    assert usernames(reply) == ["alice", "carol"]
    counted = await database_sync_to_async(Room.objects.with_present_count().get)(pk=room.pk)
    assert counted.present_count == 2


async def test_a_user_with_two_tabs_is_present_once_until_the_last_tab_closes(connect, user, other_user, room):
    bob = await joined(connect, other_user, room)
    first_tab = await joined(connect, user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    second_tab = await joined(connect, user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]

    await first_tab.disconnect()
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    await second_tab.disconnect()
    assert usernames(await bob.receive_json_from()) == ["bob"]


async def test_joining_another_room_leaves_the_first(connect, user, other_user, room):
    other_room = await database_sync_to_async(Room.objects.create)(name="garden", host=other_user)
    bob = await joined(connect, other_user, room)
    alice = await joined(connect, user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    assert usernames(await alice.request("join_room", pk=other_room.pk)) == ["alice"]
    assert usernames(await bob.receive_json_from()) == ["bob"]


async def test_create_message_requires_having_joined(connect, user, room):
    socket = await connect(PATH, user=user)
    reply = await socket.request("create_message", message="hello")
    assert reply["response_status"] == 403
    assert reply["errors"] == ["Join a room before sending messages to it."]
    assert await stored_texts() == []


async def test_messages_reach_the_subscribers_of_their_room_only(connect, user, other_user, staff_user, room):
    garden = await database_sync_to_async(Room.objects.create)(name="garden", host=staff_user)
    bob = await joined(connect, other_user, room)
    assert (await bob.request("subscribe_to_messages_in_room", pk=room.pk, request_id="messages")) == {
        "action": "subscribe_to_messages_in_room",
        "errors": [],
        "data": None,
        "response_status": 201,
        "request_id": "messages",
    }
    carol = await joined(connect, staff_user, garden)
    assert (await carol.request("subscribe_to_messages_in_room", pk=garden.pk))["response_status"] == 201
    alice = await joined(connect, user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]

    reply = await alice.request("create_message", message="  hello  ")
    assert reply["response_status"] == 201
    assert (reply["data"]["text"], reply["data"]["user"]["username"], reply["data"]["room"]) == (
        "hello",
        "alice",
        room.pk,
    )
    pushed = await bob.receive_json_from()
    assert (pushed["action"], pushed["request_id"], pushed["data"]) == ("create", "messages", reply["data"])
    assert await carol.receive_nothing(QUIET)
    assert await alice.receive_nothing(QUIET)  # alice joined but did not subscribe to the messages


async def test_edits_and_deletions_are_pushed(connect, user, room):
    socket = await joined(connect, user, room)
    await socket.request("subscribe_to_messages_in_room", pk=room.pk, request_id="messages")
    (message,) = await post(room, user, "typo")
    assert (await socket.receive_json_from())["action"] == "create"
    message.text = "fixed"
    await database_sync_to_async(message.save)()
    pushed = await socket.receive_json_from()
    assert (pushed["action"], pushed["data"]["text"]) == ("update", "fixed")
    pk = message.pk
    await database_sync_to_async(message.delete)()
    pushed = await socket.receive_json_from()
    assert (pushed["action"], pushed["data"]["pk"]) == ("delete", pk)


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "This field may not be blank."),
        ("   ", "This field may not be blank."),
        ("x" * 501, "Ensure this field has no more than 500 characters."),
        (None, "This field may not be null."),
        ({"text": "hi"}, "Not a valid string."),
    ],
)
async def test_bad_messages_get_a_400_and_the_socket_stays_open(connect, user, room, message, error):
    socket = await joined(connect, user, room)
    reply = await socket.request("create_message", message=message)
    assert (reply["response_status"], reply["errors"]) == (400, [{"text": [error]}])
    assert await stored_texts() == []
    assert (await socket.request("create_message", message="x" * 500))["response_status"] == 201


async def test_a_missing_argument_gets_a_400(connect, user, room):
    socket = await joined(connect, user, room)
    reply = await socket.request("create_message")
    assert (reply["response_status"], reply["errors"]) == (400, [{"message": ["This argument is required."]}])
    reply = await socket.request("join_room")
    assert (reply["response_status"], reply["errors"]) == (400, [{"pk": ["This argument is required."]}])


async def test_a_malformed_frame_gets_a_400_and_the_socket_stays_open(connect, user, room):
    socket = await joined(connect, user, room)
    await socket.send_to(text_data="{not json")
    assert (await socket.receive_json_from())["response_status"] == 400
    assert (await socket.request("create_message", message="still here"))["response_status"] == 201


@pytest.fixture
def rate_limit(settings, monkeypatch):
    """Three messages per minute, the clock stopped 30 s into a window, so that no test straddles two."""
    settings.CHAT_RATE_LIMIT = 3
    settings.CHAT_RATE_PERIOD = 60
    monkeypatch.setattr(MessageRate, "clock", staticmethod(lambda: 600_030.0))


async def send(socket, text):
    return (await socket.request("create_message", message=text))["response_status"]


async def test_a_flood_is_answered_with_429_and_not_stored(connect, user, room, rate_limit):
    socket = await joined(connect, user, room)
    for number in range(3):
        assert await send(socket, f"message {number}") == 201
    reply = await socket.request("create_message", message="one too many")
    assert (reply["response_status"], reply["errors"]) == (
        429,
        ["Too many messages, slow down. Expected available in 30 seconds."],
    )
    assert await stored_texts() == ["message 0", "message 1", "message 2"]


async def test_the_rate_limit_holds_per_user_across_sockets(connect, user, other_user, room, rate_limit):
    first_tab = await joined(connect, user, room)
    second_tab = await joined(connect, user, room)
    bob = await joined(connect, other_user, room)
    for socket, joins_seen in ((first_tab, 2), (second_tab, 1)):
        for _ in range(joins_seen):
            assert (await socket.receive_json_from())["action"] == "update_users"
    assert [await send(first_tab, "one"), await send(second_tab, "two"), await send(first_tab, "three")] == [201] * 3
    assert await send(second_tab, "four") == 429
    assert await send(first_tab, "five") == 429
    assert await send(bob, "bob has a budget of his own") == 201
    assert await stored_texts() == ["one", "two", "three", "bob has a budget of his own"]


async def test_with_redis_the_rate_limit_counts_in_redis(redis_layer, connect, user, room, rate_limit, settings):
    """The count every server process sees: in the Redis of REDIS_URL, not in this process."""
    import redis

    assert type(caches["default"]).__module__ == "django.core.cache.backends.redis"
    socket = await joined(connect, user, room)
    assert [await send(socket, "one"), await send(socket, "two")] == [201, 201]
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = client.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
    assert [(key.decode().endswith(f":{user.pk}:10000"), client.get(key)) for key in keys] == [(True, b"2")]
    client.close()


def fail_group_add_once(monkeypatch):
    """Make the channel layer's next ``group_add`` fail as during a Redis restart; returns the groups it failed."""
    layer = get_channel_layer()
    group_add, failed = layer.group_add, []

    async def group_add_failing_once(group, channel):
        if not failed:
            failed.append(group)
            raise ConnectionError("Error connecting to the channel layer")
        await group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", group_add_failing_once)
    return failed


async def test_a_join_that_fails_at_the_channel_layer_is_undone_and_can_be_retried(
    connect, user, other_user, room, monkeypatch
):
    bob = await joined(connect, other_user, room)
    alice = await connect(PATH, user=user)
    failed = fail_group_add_once(monkeypatch)
    reply = await alice.request("join_room", pk=room.pk, request_id="presence")
    assert failed
    assert reply["response_status"] == 503
    assert await presences_of(user) == []
    assert await send(alice, "not in the room") == 403
    assert await bob.receive_nothing(QUIET)  # nobody saw alice come

    await join(alice, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    assert await send(alice, "in the room") == 201
    assert len(await presences_of(user)) == 1


async def test_a_join_that_fails_at_the_database_is_undone_and_can_be_retried(
    connect, user, other_user, staff_user, room, monkeypatch
):
    bob = await joined(connect, other_user, room)
    alice = await connect(PATH, user=user)
    update_or_create, failed = Presence.objects.update_or_create, []

    def update_or_create_failing_once(**kwargs):
        if not failed:
            failed.append(kwargs)
            raise OperationalError("the database is restarting")
        return update_or_create(**kwargs)

    monkeypatch.setattr(Presence.objects, "update_or_create", update_or_create_failing_once)
    reply = await alice.request("join_room", pk=room.pk, request_id="presence")
    assert failed
    assert reply["response_status"] == 503
    assert await presences_of(user) == []
    assert await send(alice, "not in the room") == 403

    await joined(connect, staff_user, room)
    assert usernames(await bob.receive_json_from()) == ["bob", "carol"]
    assert await alice.receive_nothing(QUIET)  # the subscription to the room's presence was undone too

    await join(alice, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob", "carol"]
    assert await send(alice, "in the room") == 201


async def test_list_messages_pages_through_the_history(connect, user, room):
    messages = await post(room, user, *(f"message {number}" for number in range(7)))
    pks = [message.pk for message in messages]
    socket = await joined(connect, user, room)

    async def page(**arguments):
        reply = await socket.request("list_messages", pk=room.pk, **arguments)
        assert reply["response_status"] == 200, reply
        return [message["pk"] for message in reply["data"]["results"]], reply["data"]["has_more"]

    assert await page() == (pks, False)
    assert await page(limit=3) == (pks[4:], True)
    assert await page(limit=3, before=pks[4]) == (pks[1:4], True)
    assert await page(limit=3, before=pks[1]) == (pks[:1], False)
    assert await page(after=pks[2]) == (pks[3:], False)  # catching up after a reconnect
    assert await page(after=pks[2], limit=2) == (pks[3:5], True)
    assert await page(after=pks[-1]) == ([], False)


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        ({"limit": 0}, [{"limit": ["Ensure this value is greater than or equal to 1."]}]),
        ({"limit": 1000}, [{"limit": ["Ensure this value is less than or equal to 200."]}]),
        ({"before": "soon"}, [{"before": ["A valid integer is required."]}]),
        ({"before": 5, "after": 1}, [{"non_field_errors": ["Give before or after, not both."]}]),
    ],
)
async def test_bad_history_arguments_get_a_400(connect, user, room, arguments, errors):
    socket = await joined(connect, user, room)
    reply = await socket.request("list_messages", pk=room.pk, **arguments)
    assert (reply["response_status"], reply["errors"]) == (400, errors)


async def test_subscribe_instance_pushes_changes_of_the_room(connect, user, room):
    socket = await joined(connect, user, room)
    reply = await socket.request("subscribe_instance", pk=room.pk, request_id="room")
    assert reply["response_status"] == 201
    room.name = "great hall"
    await database_sync_to_async(room.save)()
    pushed = await socket.receive_json_from()
    assert (pushed["action"], pushed["request_id"], pushed["data"]["name"]) == ("update", "room", "great hall")
    pk = room.pk
    await database_sync_to_async(room.delete)()
    pushed = {frame["action"]: frame for frame in [await socket.receive_json_from(), await socket.receive_json_from()]}
    assert pushed.keys() == {"delete", "update_users"}  # the presences went with the room
    assert (pushed["delete"]["request_id"], pushed["delete"]["data"]) == ("room", {"pk": pk})


@database_sync_to_async
def leave_stale_presence(room, user):
    """What a server process that died leaves behind: a presence nobody refreshes any more."""
    return Presence.objects.create(
        room=room, user=user, channel_name="gone!", last_seen=timezone.now() - timedelta(hours=1)
    )


async def test_presence_left_by_a_dead_server_process_is_ignored_then_cleared(connect, user, other_user, room):
    await leave_stale_presence(room, other_user)
    alice = await connect(PATH, user=user)
    assert usernames(await alice.request("join_room", pk=room.pk)) == ["alice"]
    assert usernames(await alice.receive_json_from()) == ["alice"]

    await database_sync_to_async(Presence.objects.refresh)("any live connection")  # each one clears them
    assert usernames(await alice.receive_json_from()) == ["alice"]  # the clearing is announced
    assert await database_sync_to_async(list)(Presence.objects.values_list("user__username", flat=True)) == ["alice"]


async def test_a_live_connection_whose_presence_was_cleared_comes_back(connect, user, other_user, room, settings):
    settings.CHAT_PRESENCE_TTL = 3  # refreshed every second
    bob = await joined(connect, other_user, room)
    await joined(connect, user, room)
    assert usernames(await bob.receive_json_from()) == ["alice", "bob"]
    await database_sync_to_async(Presence.objects.filter(user=user).delete)()  # as if it had expired
    assert usernames(await bob.receive_json_from()) == ["bob"]
    assert usernames(await bob.receive_json_from(timeout=10)) == ["alice", "bob"]


async def test_a_live_connection_keeps_its_presence_fresh(connect, user, room, settings):
    settings.CHAT_PRESENCE_TTL = 3  # refreshed every second
    await joined(connect, user, room)
    presence = await database_sync_to_async(Presence.objects.get)(user=user)
    await database_sync_to_async(Presence.objects.filter(pk=presence.pk).update)(
        last_seen=timezone.now() - timedelta(minutes=5)
    )
    for _ in range(100):
        await asyncio.sleep(0.1)
        refreshed = await database_sync_to_async(Presence.objects.get)(pk=presence.pk)
        if refreshed.last_seen > presence.last_seen:
            break
    assert refreshed.last_seen > presence.last_seen


async def test_a_message_subscription_that_fails_at_the_channel_layer_can_be_retried(
    connect, user, other_user, room, monkeypatch
):
    alice = await joined(connect, user, room)
    bob = await joined(connect, other_user, room)
    assert usernames(await alice.receive_json_from()) == ["alice", "bob"]
    failed = fail_group_add_once(monkeypatch)
    reply = await alice.request("subscribe_to_messages_in_room", pk=room.pk, request_id="messages")
    assert failed
    assert reply["response_status"] == 503
    reply = await alice.request("subscribe_to_messages_in_room", pk=room.pk, request_id="messages")
    assert reply["response_status"] == 201
    assert await send(bob, "heard after the retry") == 201
    pushed = await alice.receive_json_from()
    assert (pushed["action"], pushed["request_id"], pushed["data"]["text"]) == (
        "create",
        "messages",
        "heard after the retry",
    )
