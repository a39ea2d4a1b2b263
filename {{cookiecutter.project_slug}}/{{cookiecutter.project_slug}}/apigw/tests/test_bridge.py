"""The bridge on one event loop: a live consumer per connection, posts in order after the connect answer, groups,
forwarding between processes' relays, and what ends a connection.

The sender is replaced by a recorder (``posts``); the end-to-end tests (test_local_gateway.py) use real boto3.
"""

import asyncio
import json
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model

from {{ cookiecutter.project_slug }}.apigw import bridge, sender
from {{ cookiecutter.project_slug }}.apigw.hashing import auth_hash
from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection

from .factories import make_gateway
from .gateway import TEST_CHANNELS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30), pytest.mark.usefixtures("relays")]


class Posts:
    """What the bridge posts (``sender.deliver``) and closes (``sender.disconnect``), recorded across threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.frames = []  # (connection id, decoded frame)
        self.closed = []  # connection ids closed at the gateway
        self.gone = set()  # connection ids the gateway answers Gone for

    def deliver(self, connection, data):
        with self.lock:
            if connection.connection_id in self.gone:
                return False
            self.frames.append((connection.connection_id, json.loads(data)))
            return True

    def disconnect(self, connection):
        with self.lock:
            self.closed.append(connection.connection_id)
        return True

    def of(self, connection_id):
        with self.lock:
            return [frame for cid, frame in self.frames if cid == connection_id]

    async def wait_for(self, condition, timeout=5):
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def channels(settings):
    settings.APIGW_CHANNELS = {**TEST_CHANNELS, "dashboard": "{{ cookiecutter.project_slug }}.core.consumers.PingConsumer"}


@pytest.fixture
def posts(monkeypatch):
    recorder = Posts()
    monkeypatch.setattr(sender, "deliver", recorder.deliver)
    monkeypatch.setattr(sender, "disconnect", recorder.disconnect)
    return recorder


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="lin", email="lin@example.com", password="pw-12345-abc")


@pytest.fixture
def gateway():
    return make_gateway()


async def open_live(gateway, user, channel="team", connection_id="bridge-1", relay=None):
    """Admit a connection as the event view does: start its consumer, save its row, answer the connect."""
    connection = GatewayConnection(
        connection_id=connection_id, api_gateway=gateway, user=user, channel=channel, auth_hash=auth_hash(user)
    )
    scope = bridge.build_scope(channel=channel, user=user, connection_id=connection_id, gateway=gateway)
    if relay is None:
        live = await bridge.open_connection(scope, connection)
    else:
        live = bridge.LiveConnection(relay, scope, connection)
        live = live if await live.start() else None
    assert live is not None
    connection.owner_channel = live.relay.channel
    await database_sync_to_async(connection.save)()
    live.connect_answered()
    return live, connection


def frame(action, **arguments):
    return json.dumps({"action": action, **arguments})


def test_scope_carries_the_connection():
    gateway = make_gateway()
    scope = bridge.build_scope(channel="users", user=None, connection_id="c-1", gateway=gateway)
    assert scope["type"] == "websocket"
    assert not scope["user"].is_authenticated
    assert scope["url_route"] == {"args": (), "kwargs": {}}
    assert scope["apigw"] == {
        "connection_id": "c-1",
        "api_id": gateway.api_id,
        "stage": "production",
        "channel": "users",
    }


def test_unknown_channel():
    with pytest.raises(bridge.UnknownChannel):
        bridge.consumer_class("nosuch")


async def test_nothing_is_posted_before_the_connect_answer(gateway, user, posts):
    connection = GatewayConnection(connection_id="early", api_gateway=gateway, user=user, channel="team")
    scope = bridge.build_scope(channel="team", user=user, connection_id="early", gateway=gateway)
    live = await bridge.open_connection(scope, connection)
    await asyncio.sleep(0.2)
    assert posts.of("early") == []  # the consumer said hello while connecting: held back
    live.receive_text(frame("join", group="g1", request_id=1))
    await asyncio.sleep(0.1)
    assert posts.of("early") == []
    live.connect_answered()
    await posts.wait_for(lambda: len(posts.of("early")) == 2)
    hello, joined = posts.of("early")
    assert hello == {"type": "hello"}
    assert (joined["action"], joined["request_id"], joined["data"]) == ("join", 1, {"joined": ["g1"]})
    live.end(bridge.STOP, bridge.CLIENT_LEFT)


async def test_the_consumer_lives_between_events_and_gets_its_groups(gateway, user, posts):
    live, _connection = await open_live(gateway, user)
    live.receive_text(frame("join", group="g1", request_id=1))
    live.receive_text(frame("join", group="g2", request_id=2))
    await posts.wait_for(lambda: len(posts.of("bridge-1")) == 3)
    assert posts.of("bridge-1")[2]["data"] == {"joined": ["g1", "g2"]}  # instance state kept between frames

    # A group_send from anywhere (another socket's consumer, the shell) reaches the gateway connection.
    await get_channel_layer().group_send("g2", {"type": "team.notice", "text": "from elsewhere"})
    await posts.wait_for(lambda: len(posts.of("bridge-1")) == 4)
    assert posts.of("bridge-1")[3] == {"type": "notice", "text": "from elsewhere"}
    live.end(bridge.STOP, bridge.CLIENT_LEFT)
    await asyncio.wait_for(live.consumer_task, 5)


async def test_two_gateway_connections_reach_each_other_through_a_group(gateway, user, posts):
    first, _ = await open_live(gateway, user, connection_id="first")
    second, _ = await open_live(gateway, user, connection_id="second")
    for live in (first, second):
        live.receive_text(frame("join", group="room", request_id="j"))
    await posts.wait_for(lambda: len(posts.of("first")) == 2 and len(posts.of("second")) == 2)
    first.receive_text(frame("shout", group="room", text="hi", request_id="s"))
    await posts.wait_for(lambda: {"type": "notice", "text": "hi"} in posts.of("second"))
    await posts.wait_for(lambda: {"type": "notice", "text": "hi"} in posts.of("first"))
    first.end(bridge.STOP, bridge.CLIENT_LEFT)
    second.end(bridge.STOP, bridge.CLIENT_LEFT)


async def test_refused_connect_starts_nothing(gateway, user, posts):
    connection = GatewayConnection(connection_id="refused", api_gateway=gateway, user=user, channel="closed")
    scope = bridge.build_scope(channel="closed", user=user, connection_id="refused", gateway=gateway)
    assert await bridge.open_connection(scope, connection) is None
    relay = await bridge.Relay.current()
    assert "refused" not in relay.connections
    assert posts.closed == []


async def test_anonymous_scope_gets_the_consumer_permission_error(gateway, posts):
    connection = GatewayConnection(connection_id="anon", api_gateway=gateway, channel="account")
    scope = bridge.build_scope(channel="account", user=None, connection_id="anon", gateway=gateway)
    live = await bridge.open_connection(scope, connection)
    live.connect_answered()
    live.receive_text(frame("whoami", request_id=3))
    await posts.wait_for(lambda: posts.of("anon"))
    [reply] = posts.of("anon")
    assert reply["response_status"] in (401, 403)
    assert reply["errors"]
    live.end(bridge.STOP, bridge.CLIENT_LEFT)


async def test_consumer_close_closes_the_connection_at_the_gateway(gateway, user, posts):
    live, connection = await open_live(gateway, user)
    live.receive_text(frame("leave"))
    await posts.wait_for(lambda: posts.closed == ["bridge-1"])
    await asyncio.wait_for(live.consumer_task, 5)
    await connection.arefresh_from_db()
    assert not connection.connected
    relay = await bridge.Relay.current()
    assert "bridge-1" not in relay.connections


async def test_gone_right_after_connect_is_retried_then_a_gone_connection_ends(gateway, user, posts, monkeypatch):
    posts.gone.add("bridge-1")  # the gateway has not taken the connect answer in yet
    live, connection = await open_live(gateway, user)
    await asyncio.sleep(0.2)
    posts.gone.clear()
    await posts.wait_for(lambda: posts.of("bridge-1") == [{"type": "hello"}])

    monkeypatch.setattr(bridge, "CONNECT_GRACE", 0)
    posts.gone.add("bridge-1")  # the browser went away and its $disconnect has not arrived
    live.receive_text(frame("join", group="g1"))
    await asyncio.wait_for(live.consumer_task, 5)
    await connection.arefresh_from_db()
    assert not connection.connected
    assert posts.closed == []


async def test_a_frame_for_another_process_is_forwarded_to_its_owner(gateway, user, posts, relays):
    here = await bridge.Relay.current()
    elsewhere = await relays.another()  # the relay of another server process
    live, connection = await open_live(gateway, user, relay=elsewhere)
    assert connection.owner_channel == elsewhere.channel != here.channel

    assert await bridge.receive(connection, frame("join", group="g1", request_id=1))
    await posts.wait_for(lambda: len(posts.of("bridge-1")) == 2)
    assert posts.of("bridge-1")[1]["data"] == {"joined": ["g1"]}

    await bridge.disconnect("bridge-1", connection.owner_channel)
    await asyncio.wait_for(live.consumer_task, 5)
    assert posts.closed == []  # the gateway closed it: nothing to close there


async def test_a_gone_owner_is_noticed(gateway, user, posts, monkeypatch, relays):
    monkeypatch.setattr(bridge, "ACK_TIMEOUT", 0.3)
    elsewhere = await relays.another()
    _live, connection = await open_live(gateway, user, relay=elsewhere)
    await relays.stop(elsewhere)  # its process stopped
    assert not await bridge.receive(connection, frame("join", group="g1"))
    # A row naming this process's relay, without a live consumer here (one that ended): also nobody's.
    connection.owner_channel = (await bridge.Relay.current()).channel
    assert not await bridge.receive(connection, frame("join", group="g1"))


async def test_password_change_ends_the_consumer_and_closes_at_the_gateway(gateway, user, posts):
    live, connection = await open_live(gateway, user)
    user.set_password("another-password-123")
    await database_sync_to_async(user.save)()
    await posts.wait_for(lambda: posts.closed == ["bridge-1"])
    await asyncio.wait_for(live.consumer_task, 5)
    await connection.arefresh_from_db()
    assert not connection.connected


async def test_session_end_reaches_a_consumer_in_another_process(gateway, user, posts, relays):
    elsewhere = await relays.another()
    live, _connection = await open_live(gateway, user, relay=elsewhere)
    user.is_active = False
    await database_sync_to_async(user.save)()
    await posts.wait_for(lambda: posts.closed == ["bridge-1"])
    await asyncio.wait_for(live.consumer_task, 5)


async def test_plain_asgi_consumer(gateway, user, posts):
    live, _connection = await open_live(gateway, user, channel="dashboard")
    live.receive_text(json.dumps({"ping": 1}))
    await posts.wait_for(lambda: posts.of("bridge-1") == [{"type": "pong", "echo": {"ping": 1}, "user": "lin"}])
    live.end(bridge.STOP, bridge.CLIENT_LEFT)
