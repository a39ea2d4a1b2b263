import asyncio
import datetime
import decimal
import logging
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from rest_framework.exceptions import ValidationError

from {{ cookiecutter.project_slug }}.channels_rest import consumers
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action, detached
from {{ cookiecutter.project_slug }}.channels_rest.permissions import BasePermission, IsAuthenticated
from {{ cookiecutter.project_slug }}.channels_rest.testing import ApiCommunicator

# Channels closes stale database connections around the handshake and the disconnect.
pytestmark = pytest.mark.django_db(transaction=True)

ENVELOPE_KEYS = {"errors", "data", "action", "response_status", "request_id"}


class EchoConsumer(AsyncAPIConsumer):
    @action()
    async def echo(self, text, **kwargs):
        return {"text": text}, 200

    @action()
    def count_users(self, **kwargs):
        return get_user_model().objects.count(), 200

    @action()
    async def silent(self, **kwargs):
        await self.send_json({"custom": "frame"})

    @action(name="renamed")
    async def internal_name(self, **kwargs):
        return "renamed", 200

    @action()
    async def strict(self, pk, size=1):
        return {"pk": pk, "size": size}, 200

    @action()
    async def explode(self, **kwargs):
        raise RuntimeError("secret internals")

    @action()
    async def join(self, group, **kwargs):
        await self.add_group(group)
        return sorted(self.groups), 200

    @action()
    async def leave(self, group, **kwargs):
        await self.remove_group(group)
        return sorted(self.groups), 200

    @action()
    async def typed(self, **kwargs):
        return {
            "when": datetime.date(2024, 2, 29),
            "price": decimal.Decimal("9.99"),
            "id": uuid.UUID(int=1),
        }, 200

    async def shout(self, event):
        await self.send_json({"shout": event["text"]})


async def test_async_action_replies_with_the_full_envelope(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    reply = await socket.request("echo", text="hi", request_id="r-1")
    assert reply == {
        "errors": [],
        "data": {"text": "hi"},
        "action": "echo",
        "response_status": 200,
        "request_id": "r-1",
    }


async def test_sync_action_runs_in_a_database_thread(consumer_socket, user, other_user):
    socket = await consumer_socket(EchoConsumer)
    reply = await socket.request("count_users")
    assert reply["data"] == 2
    assert reply["response_status"] == 200


async def test_replies_encode_dates_decimals_and_uuids(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    assert (await socket.request("typed"))["data"] == {
        "when": "2024-02-29",
        "price": 9.99,
        "id": "00000000-0000-0000-0000-000000000001",
    }


async def test_request_id_is_optional(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    await socket.send_json_to({"action": "echo", "text": "x"})
    reply = await socket.receive_json_from()
    assert set(reply) == ENVELOPE_KEYS
    assert reply["request_id"] is None


async def test_action_without_tuple_sends_nothing_itself(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    assert await socket.request("silent") == {"custom": "frame"}
    assert await socket.receive_nothing()


async def test_action_exposed_under_another_name(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    assert (await socket.request("renamed"))["data"] == "renamed"
    assert (await socket.request("internal_name"))["response_status"] == 405
    assert EchoConsumer.available_actions["renamed"] == "internal_name"


async def test_missing_action(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    await socket.send_json_to({"request_id": 3, "text": "x"})
    reply = await socket.receive_json_from()
    assert reply == {
        "errors": ["Unable to find action in message body."],
        "data": None,
        "action": None,
        "response_status": 405,
        "request_id": 3,
    }


async def test_unknown_action(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    reply = await socket.request("nope", request_id=4)
    assert reply["errors"] == ['Method "nope" not allowed.']
    assert reply["response_status"] == 405
    assert reply["action"] == "nope"
    assert reply["request_id"] == 4


@pytest.mark.parametrize(
    "frame, error",
    [
        ({"text_data": "not json"}, "Malformed JSON."),
        ({"text_data": " "}, "Malformed JSON."),
        ({"bytes_data": b'{"action": "echo"}'}, "Binary frames are not supported: send JSON text."),
        ({"text_data": "[1, 2]"}, "Messages must be JSON objects."),
        ({"text_data": "42"}, "Messages must be JSON objects."),
        ({"text_data": '"echo"'}, "Messages must be JSON objects."),
    ],
)
async def test_bad_frames_get_a_400_and_the_socket_stays_open(consumer_socket, frame, error):
    socket = await consumer_socket(EchoConsumer)
    await socket.send_to(**frame)
    reply = await socket.receive_json_from()
    assert reply["errors"] == [error]
    assert reply["response_status"] == 400
    assert set(reply) == ENVELOPE_KEYS
    assert (await socket.request("echo", text="still here"))["data"] == {"text": "still here"}


async def test_non_string_action_is_not_allowed(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    reply = await socket.request(["echo"])
    assert reply["response_status"] == 405
    assert (await socket.request("echo", text="ok"))["response_status"] == 200


async def test_missing_argument_is_named_before_the_call(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    reply = await socket.request("strict")
    assert reply["response_status"] == 400
    assert reply["errors"] == [{"pk": ["This argument is required."]}]
    assert (await socket.request("strict", pk=1))["data"] == {"pk": 1, "size": 1}


async def test_unexpected_arguments_are_named(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    reply = await socket.request("strict", pk=1, colour="red", shape="round")
    assert reply["response_status"] == 400
    assert reply["errors"] == [{"colour": ["Unexpected argument."], "shape": ["Unexpected argument."]}]
    # An action without **kwargs is not handed action/request_id it cannot take.
    assert (await socket.request("strict", pk=2, size=3))["data"] == {"pk": 2, "size": 3}


async def test_a_message_key_named_self_is_rejected(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    await socket.send_json_to({"action": "echo", "text": "x", "self": 1})
    reply = await socket.receive_json_from()
    assert reply["response_status"] == 400
    assert (await socket.request("echo", text="y"))["data"] == {"text": "y"}


async def test_unexpected_error_is_a_500_frame_logged_with_traceback(consumer_socket, caplog):
    socket = await consumer_socket(EchoConsumer)
    with caplog.at_level(logging.ERROR, logger=consumers.__name__):
        reply = await socket.request("explode", request_id=9)
    assert reply == {
        "errors": ["A server error occurred."],
        "data": None,
        "action": "explode",
        "response_status": 500,
        "request_id": 9,
    }
    assert "secret internals" not in str(reply)
    [record] = [record for record in caplog.records if record.name == consumers.__name__]
    assert record.exc_info[0] is RuntimeError
    assert (await socket.request("echo", text="after"))["data"] == {"text": "after"}


async def test_groups_are_tracked_and_receive_group_messages(consumer_socket):
    socket = await consumer_socket(EchoConsumer)
    assert (await socket.request("join", group="news"))["data"] == ["news"]
    assert (await socket.request("join", group="sport"))["data"] == ["news", "sport"]
    layer = get_channel_layer()
    await layer.group_send("news", {"type": "shout", "text": "extra"})
    assert await socket.receive_json_from() == {"shout": "extra"}
    assert (await socket.request("leave", group="news"))["data"] == ["sport"]
    await layer.group_send("news", {"type": "shout", "text": "gone"})
    assert await socket.receive_nothing()


class DenyEverything(BasePermission):
    async def has_permission(self, scope, consumer, action, **kwargs):
        return False


class DeniedConsumer(EchoConsumer):
    permission_classes = [DenyEverything]


async def test_permission_denied_is_a_403(consumer_socket):
    socket = await consumer_socket(DeniedConsumer)
    assert socket.accepted
    reply = await socket.request("echo", text="x", request_id=5)
    assert reply["errors"] == ["You do not have permission to perform this action."]
    assert reply["response_status"] == 403


async def test_permissions_are_checked_before_the_action_lookup(consumer_socket):
    socket = await consumer_socket(DeniedConsumer)
    assert (await socket.request("does_not_exist"))["response_status"] == 403


class NoConnect(BasePermission):
    def can_connect(self, scope, consumer, message=None):
        return False


class ClosedConsumer(EchoConsumer):
    permission_classes = [NoConnect]


async def test_can_connect_refusal_rejects_the_handshake(consumer_socket):
    socket = await consumer_socket(ClosedConsumer)
    assert not socket.accepted


class MembersConsumer(EchoConsumer):
    permission_classes = [IsAuthenticated]


async def test_is_authenticated(consumer_socket, user):
    anonymous = await consumer_socket(MembersConsumer)
    assert (await anonymous.request("echo", text="x"))["response_status"] == 403
    member = await consumer_socket(MembersConsumer, user=user)
    assert (await member.request("echo", text="x"))["response_status"] == 200


class RoutedOnType(EchoConsumer):
    async def get_action_name(self, content, **kwargs):
        return content.pop("type", None), content


async def test_get_action_name_hook(consumer_socket):
    socket = await consumer_socket(RoutedOnType)
    await socket.send_json_to({"type": "echo", "text": "typed", "request_id": 1})
    assert (await socket.receive_json_from())["data"] == {"text": "typed"}


class PickyRouting(EchoConsumer):
    async def get_action_name(self, content, **kwargs):
        if "version" not in content:
            raise ValidationError({"version": ["This field is required."]})
        content.pop("version")
        return content.pop("action", None), content


async def test_errors_while_routing_become_frames(consumer_socket):
    socket = await consumer_socket(PickyRouting)
    reply = await socket.request("echo", text="x", request_id=1)
    assert (reply["response_status"], reply["errors"], reply["request_id"]) == (
        400,
        [{"version": ["This field is required."]}],
        1,
    )
    assert (await socket.request("echo", text="y", version=2))["data"] == {"text": "y"}


class SlowConsumer(AsyncAPIConsumer):
    started = None
    cancelled = None

    @action(detached=True)
    async def slow(self, delay, **kwargs):
        type(self).started.set()
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            type(self).cancelled.set()
            raise
        return "slow done", 200

    @action()
    async def fast(self, **kwargs):
        return "fast done", 200

    @action(detached=True)
    async def broken(self, **kwargs):
        raise RuntimeError("detached failure")

    @action()
    async def remind(self, **kwargs):
        await self.send_later("reminder")

    @detached
    async def send_later(self, text):
        await asyncio.sleep(0)
        await self.send_json({"later": text})


@pytest.fixture
def slow_events():
    SlowConsumer.started = asyncio.Event()
    SlowConsumer.cancelled = asyncio.Event()
    return SlowConsumer


async def test_detached_action_lets_other_actions_run(consumer_socket, slow_events):
    socket = await consumer_socket(SlowConsumer)
    await socket.send_json_to({"action": "slow", "delay": 0.2, "request_id": 1})
    await socket.send_json_to({"action": "fast", "request_id": 2})
    first = await socket.receive_json_from()
    second = await socket.receive_json_from()
    assert (first["request_id"], first["data"]) == (2, "fast done")
    assert (second["request_id"], second["data"], second["action"]) == (1, "slow done", "slow")


async def test_detached_action_errors_become_frames(consumer_socket, slow_events):
    socket = await consumer_socket(SlowConsumer)
    reply = await socket.request("broken", request_id=8)
    assert (reply["response_status"], reply["request_id"]) == (500, 8)


async def test_detached_action_is_cancelled_on_disconnect(consumer_socket, slow_events):
    socket = await consumer_socket(SlowConsumer)
    await socket.send_json_to({"action": "slow", "delay": 30, "request_id": 1})
    await asyncio.wait_for(slow_events.started.wait(), 5)
    await socket.disconnect()
    assert slow_events.cancelled.is_set()


async def test_detached_method_runs_as_a_task(consumer_socket, slow_events):
    socket = await consumer_socket(SlowConsumer)
    assert await socket.request("remind") == {"later": "reminder"}


def test_async_actions_cannot_be_atomic():
    with pytest.raises(ValueError, match="atomic"):

        @action(atomic=True)
        async def nope(self):
            pass


def test_sync_actions_cannot_be_detached():
    with pytest.raises(ValueError, match="detached"):

        @action(detached=True)
        def nope(self):
            pass


class AtomicConsumer(AsyncAPIConsumer):
    @action(atomic=True)
    def create_then_fail(self, username, **kwargs):
        get_user_model().objects.create_user(username)
        raise RuntimeError("after the write")

    @action(atomic=False)
    def create_then_fail_non_atomic(self, username, **kwargs):
        get_user_model().objects.create_user(username)
        raise RuntimeError("after the write")


async def test_atomic_action_rolls_back_on_error(consumer_socket):
    socket = await consumer_socket(AtomicConsumer)
    assert (await socket.request("create_then_fail", username="ghost"))["response_status"] == 500
    assert (await socket.request("create_then_fail_non_atomic", username="kept"))["response_status"] == 500
    usernames = await database_sync_to_async(
        lambda: sorted(get_user_model().objects.values_list("username", flat=True))
    )()
    assert usernames == ["kept"]


async def test_dispatch_skips_the_connection_cleanup_hop_per_message(consumer_socket, monkeypatch):
    calls = []
    original = consumers.aclose_old_connections

    async def counting():
        calls.append(1)
        await original()

    monkeypatch.setattr(consumers, "aclose_old_connections", counting)
    socket = await consumer_socket(EchoConsumer)
    for number in range(3):
        assert (await socket.request("echo", text=str(number)))["response_status"] == 200
    assert len(calls) == 1  # the handshake only


class EndingConsumer(AsyncAPIConsumer):
    """Records, in ``teardown``, whether it was marked ended and whether its detached task was cancelled."""

    endings = []

    @action()
    async def start_background(self, **kwargs):
        self.background = self.start_detached_task(asyncio.sleep(3600), name="background")
        return self.channel_name, 200

    async def crash(self, message):
        raise RuntimeError("a handler failed")

    async def teardown(self):
        type(self).endings.append((self.ended, self.background.cancelled()))
        await super().teardown()


async def end_consumer(socket, way, channel_name):
    if way == "close":
        await socket.disconnect()
    elif way == "handler error":
        await get_channel_layer().send(channel_name, {"type": "crash"})
        with pytest.raises(RuntimeError, match="a handler failed"):
            await socket.wait(timeout=5)
    else:  # as daphne cancels its applications when it shuts down
        socket.future.cancel()
        await socket.wait(timeout=5)


@pytest.mark.parametrize("way", ["close", "handler error", "cancelled"])
async def test_however_a_consumer_ends_its_detached_tasks_stop_and_teardown_runs(open_socket, way):
    """``open_socket`` only drops the channel layer afterwards: this socket is ended by the test itself."""
    EndingConsumer.endings = []
    socket = ApiCommunicator(EndingConsumer.as_asgi(), "/ws/test/")
    assert (await socket.connect())[0]
    channel_name = (await socket.request("start_background"))["data"]
    await end_consumer(socket, way, channel_name)
    assert EndingConsumer.endings == [(True, True)]
