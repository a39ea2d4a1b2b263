"""A channel layer or database that cannot be reached: 503 error frames, sockets that stay open, one log line."""

import logging
import socket

import pytest
from channels.db import database_sync_to_async
{%- if cookiecutter.use_redis %}
from channels.layers import channel_layers, get_channel_layer
{%- endif %}
from django.db import connections
from django.db.utils import load_backend

from {{ cookiecutter.project_slug }}.channels_rest import outages
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port():
    """A local TCP port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_database():
    """A connection to the test database's engine where no database can be opened."""
    params = dict(connections["default"].settings_dict)
    if connections["default"].vendor == "sqlite":
        params["NAME"] = "/nonexistent-directory/db.sqlite3"
    else:
        params.update(HOST="127.0.0.1", PORT=closed_port(), OPTIONS={**params["OPTIONS"], "connect_timeout": 2})
    return load_backend(params["ENGINE"]).DatabaseWrapper(params, alias="unreachable")


def count_from_unreachable_database():
    database = unreachable_database()
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        database.close()


class RoomConsumer(AsyncAPIConsumer):
    @action()
    async def join(self, group, **kwargs):
        await self.add_group(group)
        return sorted(self.groups), 200

    @action()
    async def read(self, **kwargs):
        await database_sync_to_async(count_from_unreachable_database)()
        return None, 200

    @action()
    async def echo(self, text, **kwargs):
        return text, 200

    async def room_message(self, event):
        await self.send_json({"room": event["text"]})


async def test_an_unreachable_database_is_a_503_logged_once_and_the_socket_stays_open(consumer_socket, caplog):
    socket_ = await consumer_socket(RoomConsumer)
    with caplog.at_level(logging.WARNING, logger=outages.__name__):
        first = await socket_.request("read", request_id=1)
        second = await socket_.request("read", request_id=2)
    for reply in (first, second):
        assert reply["response_status"] == 503
        assert reply["errors"] == ["The database is temporarily unavailable, retry."]
    assert [record.getMessage() for record in caplog.records if "database is unavailable" in record.getMessage()]
    assert len([record for record in caplog.records if record.name == outages.__name__]) == 1
    assert (await socket_.request("echo", text="still here"))["data"] == "still here"


def test_a_new_database_connection_ends_the_outage(caplog):
    with caplog.at_level(logging.WARNING, logger=outages.__name__):
        with pytest.raises(Exception) as failure:  # the real error of a failed connection, whatever the engine
            count_from_unreachable_database()
        assert isinstance(outages.as_unavailable(failure.value), outages.DatabaseUnavailable)
        assert outages.database_outage.since is not None
        params = connections["default"].settings_dict
        database = load_backend(params["ENGINE"]).DatabaseWrapper(params, alias="reconnected")
        database.ensure_connection()
        database.close()
    assert outages.database_outage.since is None
    assert "database is available again" in caplog.records[-1].getMessage()
{%- if cookiecutter.use_redis %}


@pytest.fixture
def unreachable_redis_layer(settings):
    """The site's channels-redis layer, pointed at a port where no Redis listens."""
    layers = {"default": {**settings.CHANNEL_LAYERS["default"]}}
    if layers["default"]["BACKEND"] != "channels_redis.core.RedisChannelLayer":
        layers["default"] = {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:6379/0", "socket_connect_timeout": 2}]},
        }
    config = layers["default"]["CONFIG"] = {**layers["default"]["CONFIG"]}
    config["hosts"] = [{**config["hosts"][0], "address": f"redis://127.0.0.1:{closed_port()}/0"}]
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.usefixtures("unreachable_redis_layer")
async def test_joining_a_group_without_redis_is_a_503_and_the_socket_stays_open(consumer_socket):
    socket_ = await consumer_socket(RoomConsumer)
    reply = await socket_.request("join", group="lobby")
    assert reply["response_status"] == 503
    assert reply["errors"] == ["The channel layer is temporarily unavailable, retry."]
    # The consumer's own layer receive keeps failing and retrying meanwhile; the socket answers.
    assert (await socket_.request("echo", text="still here"))["data"] == "still here"
    assert await socket_.receive_nothing(timeout=1)


async def test_a_quiet_socket_on_redis_stays_open_and_gets_group_messages(consumer_socket, redis_layer, caplog):
    """redis-py's default read timeout equals channels-redis's blocking read (5 s): quiet sockets died at ~5 s.

    The layer's settings keep the read open; the receive must not even need its retries (no outage logged).
    """
    socket_ = await consumer_socket(RoomConsumer)
    assert (await socket_.request("join", group="quiet"))["data"] == ["quiet"]
    with caplog.at_level(logging.WARNING, logger=outages.__name__):
        assert await socket_.receive_nothing(timeout=8, interval=0.5)
    assert [record.getMessage() for record in caplog.records if record.name == outages.__name__] == []
    await get_channel_layer().group_send("quiet", {"type": "room.message", "text": "after the silence"})
    assert await socket_.receive_json_from(timeout=5) == {"room": "after the silence"}
{%- endif %}
