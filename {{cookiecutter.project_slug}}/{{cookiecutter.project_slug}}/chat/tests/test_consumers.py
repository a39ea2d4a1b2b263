"""RoomConsumer over the site's real ASGI stack: every action, the presence list, and every refusal."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from ..models import Message, Presence, Room

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
    reply = await socket.request("join_room", pk=room.pk, request_id="presence")
    assert reply["response_status"] == 200
    assert (await socket.receive_json_from())["action"] == "update_users"
    return socket


async def test_anonymous_sockets_are_refused_at_the_handshake(connect):
    assert not (await connect(PATH)).accepted


async def test_retrieve_gives_the_room_with_its_latest_messages(connect, user, other_user, room):
    await post(room, other_user, "first", "second")
    socket = await connect(PATH, user=user)
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
    assert data["current_users"] == []


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
    assert not await database_sync_to_async(Presence.objects.filter(user=other_user).exists)()


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
    bob = await connect(PATH, user=other_user)
    assert (await bob.request("subscribe_to_messages_in_room", pk=room.pk, request_id="messages")) == {
        "action": "subscribe_to_messages_in_room",
        "errors": [],
        "data": None,
        "response_status": 201,
        "request_id": "messages",
    }
    carol = await connect(PATH, user=staff_user)
    assert (await carol.request("subscribe_to_messages_in_room", pk=garden.pk))["response_status"] == 201
    alice = await joined(connect, user, room)

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
    socket = await connect(PATH, user=user)
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


async def test_a_flood_is_answered_with_429_and_not_stored(connect, user, room, settings):
    settings.CHAT_RATE_LIMIT = 3
    settings.CHAT_RATE_PERIOD = 3600
    socket = await joined(connect, user, room)
    for number in range(3):
        assert (await socket.request("create_message", message=f"message {number}"))["response_status"] == 201
    reply = await socket.request("create_message", message="one too many")
    assert reply["response_status"] == 429
    assert reply["errors"][0].startswith("Too many messages, slow down. Expected available in")
    assert await stored_texts() == ["message 0", "message 1", "message 2"]


async def test_list_messages_pages_through_the_history(connect, user, room):
    messages = await post(room, user, *(f"message {number}" for number in range(7)))
    pks = [message.pk for message in messages]
    socket = await connect(PATH, user=user)

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
    socket = await connect(PATH, user=user)
    reply = await socket.request("list_messages", pk=room.pk, **arguments)
    assert (reply["response_status"], reply["errors"]) == (400, errors)


async def test_subscribe_instance_pushes_changes_of_the_room(connect, user, room):
    socket = await connect(PATH, user=user)
    reply = await socket.request("subscribe_instance", pk=room.pk, request_id="room")
    assert reply["response_status"] == 201
    room.name = "great hall"
    await database_sync_to_async(room.save)()
    pushed = await socket.receive_json_from()
    assert (pushed["action"], pushed["request_id"], pushed["data"]["name"]) == ("update", "room", "great hall")
    pk = room.pk
    await database_sync_to_async(room.delete)()
    pushed = await socket.receive_json_from()
    assert (pushed["action"], pushed["data"]["pk"]) == ("delete", pk)


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
