"""The process's observer hub: one channel-layer message per event and process, whatever the number of sockets.

The hub hands a message to the process's subscribers in the order they
subscribed, so a frame at the last subscriber shows that the earlier ones were
served. The tests hold for every channel layer (run with REDIS_URL for Redis).
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from {{ cookiecutter.project_slug }}.channels_rest.actions import current_action
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.observer import hub, model_observer

from .observed.models import Topic

pytestmark = pytest.mark.django_db(transaction=True)


class FeedConsumer(AsyncAPIConsumer):
    @model_observer(Topic)
    async def topic_feed(self, message, **kwargs):
        await self.send_json(message)

    @action()
    async def follow(self, **kwargs):
        await self.topic_feed.subscribe()
        return None, 201

    @action()
    async def unfollow(self, **kwargs):
        await self.topic_feed.unsubscribe()
        return None, 204

    @action()
    async def create_topic(self, name, **kwargs):
        """The change is on the layer before this action replies."""
        topic = await create_topic(name)
        return {"pk": topic.pk}, 201


class ContextConsumer(FeedConsumer):
    @model_observer(Topic)
    async def topic_feed(self, message, **kwargs):
        await self.send_json({"current_action": current_action.get()})


class OnceConsumer(FeedConsumer):
    """Ends its subscription in the handler, while the hub is delivering."""

    @model_observer(Topic)
    async def topic_feed(self, message, **kwargs):
        await self.topic_feed.unsubscribe()
        await self.send_json(message)


def feed_group(consumer_class=FeedConsumer):
    return consumer_class.topic_feed.default_group_names()[0]


def create_topic(name):
    return database_sync_to_async(Topic.objects.create)(name=name)


def running_hubs():
    """Hubs of this event loop, and their receive tasks still running."""
    loop = asyncio.get_running_loop()
    hubs = [value for (_, hub_loop), value in hub._hubs.items() if hub_loop is loop]
    tasks = [task for task in asyncio.all_tasks() if task.get_name().startswith("observer hub") and not task.done()]
    return hubs, tasks


@pytest.fixture
def layer_calls(monkeypatch):
    """The layer calls: ``("receive", channel, message type)``, ``("group_add"/"group_discard", group, channel)``."""
    layer = get_channel_layer()
    calls = []
    receive, group_add, group_discard = layer.receive, layer.group_add, layer.group_discard

    async def recorded_receive(channel):
        message = await receive(channel)
        calls.append(("receive", channel, message["type"]))
        return message

    async def recorded_group_add(group, channel):
        calls.append(("group_add", group, channel))
        await group_add(group, channel)

    async def recorded_group_discard(group, channel):
        calls.append(("group_discard", group, channel))
        await group_discard(group, channel)

    monkeypatch.setattr(layer, "receive", recorded_receive)
    monkeypatch.setattr(layer, "group_add", recorded_group_add)
    monkeypatch.setattr(layer, "group_discard", recorded_group_discard)
    return calls


async def test_an_event_is_one_layer_message_for_all_local_subscribers(consumer_socket, layer_calls):
    sockets = [await consumer_socket(FeedConsumer) for _ in range(5)]
    for socket in sockets:
        assert (await socket.request("follow"))["response_status"] == 201
    topic = await create_topic("to all")
    for socket in sockets:
        assert await socket.receive_json_from() == {"pk": topic.pk}

    received = [call for call in layer_calls if call[0] == "receive" and call[2] == "topic.feed"]
    assert len(received) == 1
    joined_channels = {
        channel for call, group, channel in layer_calls if call == "group_add" and group == feed_group()
    }
    assert joined_channels == {received[0][1]}  # the hub's channel, not the sockets'


async def test_the_process_leaves_a_group_with_its_last_local_subscriber(consumer_socket, layer_calls):
    first = await consumer_socket(FeedConsumer)
    second = await consumer_socket(FeedConsumer)
    for socket in (first, second):
        await socket.request("follow")
    assert (await first.request("unfollow"))["response_status"] == 204
    assert not [call for call in layer_calls if call[0] == "group_discard"]

    topic = await create_topic("second only")
    assert await second.receive_json_from() == {"pk": topic.pk}
    assert first.output_queue.empty()  # it would have been served before ``second``

    await second.disconnect()
    discarded = [call for call in layer_calls if call[0] == "group_discard"]
    assert [group for _, group, _ in discarded] == [feed_group()]
    assert running_hubs() == ([], [])


async def test_a_disconnected_consumer_gets_nothing_and_leaks_nothing(consumer_socket):
    gone = await consumer_socket(FeedConsumer)
    staying = await consumer_socket(FeedConsumer)
    for socket in (gone, staying):
        await socket.request("follow")
    await gone.disconnect()

    topic = await create_topic("after the disconnect")
    assert await staying.receive_json_from() == {"pk": topic.pk}
    assert gone.output_queue.empty()  # it would have been served before ``staying``
    (process_hub,), _ = running_hubs()
    assert list(process_hub.members) == [feed_group()]
    assert len(process_hub.members[feed_group()]) == 1


async def test_each_consumer_receives_events_in_order(consumer_socket):
    sockets = [await consumer_socket(FeedConsumer) for _ in range(3)]
    for socket in sockets:
        await socket.request("follow")

    def create_in_order():
        return [Topic.objects.create(name=f"topic {number}").pk for number in range(10)]

    pks = await database_sync_to_async(create_in_order)()
    for socket in sockets:
        assert [(await socket.receive_json_from())["pk"] for _ in pks] == pks


async def test_a_push_caused_by_an_action_follows_its_reply(consumer_socket):
    socket = await consumer_socket(FeedConsumer)
    await socket.request("follow")
    reply = await socket.request("create_topic", name="mine")
    assert (reply["action"], reply["response_status"]) == ("create_topic", 201)
    assert await socket.receive_json_from() == {"pk": reply["data"]["pk"]}


async def test_handlers_run_outside_the_action_that_subscribed_first(consumer_socket):
    socket = await consumer_socket(ContextConsumer)
    await socket.request("follow")
    await create_topic("context")
    assert await socket.receive_json_from() == {"current_action": None}


async def test_a_handler_may_end_the_last_subscription_of_the_process(consumer_socket):
    socket = await consumer_socket(OnceConsumer)
    await socket.request("follow")
    first = await create_topic("first")
    assert await socket.receive_json_from() == {"pk": first.pk}

    # The hub closed itself from its own task; a new subscription starts another.
    await socket.request("follow")
    second = await create_topic("second")
    assert await socket.receive_json_from() == {"pk": second.pk}
    await socket.disconnect()
    assert running_hubs() == ([], [])
