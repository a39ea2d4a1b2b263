"""An action's observer messages: handed to the event loop by its database thread, and followed by its reply.

Every sync action of a process runs in one database thread. The messages a save causes are sent by the
event loop while that thread serves the next action; the action that saved still answers only once its
messages are on the layer, in the order they were caused, and answers 503 when the layer cannot take them.
"""

import asyncio
import time

import pytest
from channels.layers import InMemoryChannelLayer, channel_layers

from {{ cookiecutter.project_slug }}.channels_rest import outages
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.observer import model_observer

from .observed.models import Topic

pytestmark = pytest.mark.django_db(transaction=True)


class GatedLayer(InMemoryChannelLayer):
    """The in-memory layer, whose topic messages wait for ``gate`` (then raise ``failure``, if set)."""

    def __init__(self):
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()
        self.failure = None
        self.sent = []

    async def group_send(self, group, message):
        if message["type"] == "topic.saved":
            self.waiting.set()
            await self.gate.wait()
            if self.failure is not None:
                raise self.failure
            self.sent.append(message["body"]["name"])
        await super().group_send(group, message)


@pytest.fixture
def layer():
    layer = channel_layers.backends["default"] = GatedLayer()
    return layer


class TopicConsumer(AsyncAPIConsumer):
    @model_observer(Topic)
    async def topic_saved(self, message, **kwargs):
        await self.send_json({"topic": message["name"]})

    @topic_saved.groups_for_signal
    def topic_saved(self, instance, **kwargs):
        yield "topics"

    @topic_saved.groups_for_consumer
    def topic_saved(self, **kwargs):
        yield "topics"

    @topic_saved.serializer
    def topic_saved(self, instance, action, **kwargs):
        return {"name": instance.name}

    @action()
    async def watch(self, **kwargs):
        await self.topic_saved.subscribe()
        return None, 200

    @action()
    def create_topic(self, name, **kwargs):
        return Topic.objects.create(name=name).pk, 201

    @action()
    def count_topics(self, **kwargs):
        return Topic.objects.count(), 200


async def test_the_database_thread_serves_other_actions_while_a_saves_messages_wait(consumer_socket, layer):
    saver, other = await consumer_socket(TopicConsumer), await consumer_socket(TopicConsumer)
    assert (await saver.request("watch"))["response_status"] == 200
    await saver.send_json_to({"action": "create_topic", "name": "first", "request_id": 1})
    await asyncio.wait_for(layer.waiting.wait(), 5)

    # The save is done and its message waits on the layer: the database thread is free meanwhile.
    assert (await other.request("count_topics"))["data"] == 1
    assert await saver.receive_nothing(timeout=0.2)

    layer.gate.set()
    reply = await saver.receive_json_from()
    assert (reply["response_status"], reply["request_id"]) == (201, 1)
    assert await saver.receive_json_from() == {"topic": "first"}


async def test_messages_go_out_in_the_order_of_their_saves(consumer_socket, layer):
    first, second = await consumer_socket(TopicConsumer), await consumer_socket(TopicConsumer)
    await first.send_json_to({"action": "create_topic", "name": "first", "request_id": 1})
    await asyncio.wait_for(layer.waiting.wait(), 5)
    await second.send_json_to({"action": "create_topic", "name": "second", "request_id": 2})
    assert await second.receive_nothing(timeout=0.2)  # saved, but its message waits behind the first

    layer.gate.set()
    assert (await first.receive_json_from())["response_status"] == 201
    assert (await second.receive_json_from())["response_status"] == 201
    assert layer.sent == ["first", "second"]


async def test_a_layer_that_cannot_be_reached_makes_the_save_answer_503(consumer_socket, layer):
    socket_ = await consumer_socket(TopicConsumer)
    layer.failure = ConnectionRefusedError("no layer")
    layer.gate.set()
    reply = await socket_.request("create_topic", name="unsent")
    assert reply["response_status"] == 503
    assert reply["errors"] == ["The channel layer is temporarily unavailable, retry."]
    # Stored, but not acknowledged: no client was told of it.
    assert await Topic.objects.filter(name="unsent").aexists()
    assert (await socket_.request("count_topics"))["data"] == 1


class ProbedLayer(InMemoryChannelLayer):
    """The in-memory layer, whose ``group_discard`` (the outage probe) raises ``failure`` when set."""

    failure = None

    async def group_discard(self, group, channel):
        if self.failure is not None:
            raise self.failure
        await super().group_discard(group, channel)


async def test_after_an_outage_group_messages_wait_until_every_process_could_rejoin(monkeypatch):
    monkeypatch.setattr(outages, "REJOIN_TIME", 0.3)
    layer = ProbedLayer()
    outages.layer_outage.begins(ConnectionRefusedError("down"))

    layer.failure = ConnectionRefusedError("still down")
    with pytest.raises(ConnectionRefusedError):
        await outages.groups_rejoined(layer)
    assert outages.layer_outage.since is not None

    layer.failure = None
    started = time.monotonic()
    await outages.groups_rejoined(layer)  # the layer answers: the outage ends, then the wait
    assert outages.layer_outage.since is None
    assert time.monotonic() - started >= 0.3

    outages.layer_outage.ended_at -= 0.3
    started = time.monotonic()
    await outages.groups_rejoined(layer)
    assert time.monotonic() - started < 0.3
