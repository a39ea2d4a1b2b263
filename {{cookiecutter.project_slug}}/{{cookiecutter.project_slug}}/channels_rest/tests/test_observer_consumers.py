"""``@model_observer`` and ``@observer`` on consumers, over real websockets.

Absence is shown with a sentinel: each consumer also observes ``Tag``, and a
tag created after the change under test must be the next frame. Actions are
handled in order, so the reply to ``watch_tags`` also shows that the
subscriptions sent before it are in place.
"""

import pytest
from channels.db import database_sync_to_async
from django.dispatch import Signal
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.observer import model_observer, observer

from .observed.models import Post, Tag, Topic
from .serializers import UserSerializer

pytestmark = pytest.mark.django_db(transaction=True)

article_published = Signal()


class SentinelMixin:
    """Every test consumer also reports created tags: the frame that proves nothing came before it."""

    @model_observer(Tag)
    async def tag_activity(self, message, **kwargs):
        await self.send_json({"sentinel": message["pk"]})

    @action()
    async def watch_tags(self, **kwargs):
        await self.tag_activity.subscribe()
        return None, 200


class CommentConsumer(SentinelMixin, GenericAsyncAPIConsumer):
    """The documentation's "Model observer" example, with topics for comments."""

    serializer_class = UserSerializer

    @model_observer(Topic)
    async def comment_activity(self, message, observer=None, **kwargs):
        await self.send_json(message)

    @comment_activity.serializer
    def comment_activity(self, instance, action, **kwargs):
        return {"name": instance.name, "action": action.value}

    @action()
    async def subscribe_to_comment_activity(self, request_id=None, **kwargs):
        await self.comment_activity.subscribe(request_id=request_id)

    @action()
    async def unsubscribe_from_comment_activity(self, request_id=None, **kwargs):
        await self.comment_activity.unsubscribe(request_id=request_id)

    @action()
    async def subscribe_without_request_id(self, **kwargs):
        await self.comment_activity.subscribe()

    @action()
    async def unsubscribe_without_request_id(self, **kwargs):
        await self.comment_activity.unsubscribe()


class HandlerArgumentsConsumer(SentinelMixin, AsyncAPIConsumer):
    @model_observer(Topic)
    async def topic_activity(self, message, observer=None, action=None, **kwargs):
        await self.send_json(
            {
                "message": message,
                "observer_is_class_attribute": observer is HandlerArgumentsConsumer.topic_activity,
                "action": action,
                "message_type": kwargs["message_type"],
                "subscribing_request_ids": kwargs["subscribing_request_ids"],
                "group_is_subscribed": kwargs["group"] in self.topic_activity.default_group_names(),
            }
        )

    @action()
    async def subscribe_twice(self, **kwargs):
        # Class-level access takes the consumer explicitly.
        await HandlerArgumentsConsumer.topic_activity.subscribe(self, request_id="first")
        await self.topic_activity.subscribe(request_id={"nested": ["id"]})


class UserPostsConsumer(SentinelMixin, AsyncAPIConsumer):
    """The documentation's "Filtered model observer": each user sees the activity on their own posts."""

    @model_observer(Post)
    async def post_activity(self, message, observer=None, **kwargs):
        await self.send_json(message)

    @post_activity.serializer
    def post_activity(self, instance, action, **kwargs):
        return {"title": instance.title, "action": action.value}

    @post_activity.groups_for_signal
    def post_activity(self, instance, **kwargs):
        yield f"-user__{instance.author_id}"

    @post_activity.groups_for_consumer
    def post_activity(self, school=None, classroom=None, **kwargs):
        yield f"-user__{self.scope['user'].pk}"

    @action()
    async def subscribe_to_post_activity(self, **kwargs):
        if self.scope["user"].is_authenticated:
            await self.post_activity.subscribe()


class FirstConsumer(SentinelMixin, AsyncAPIConsumer):
    @model_observer(Topic)
    async def topic_activity(self, message, **kwargs):
        await self.send_json({"first": message})

    @action()
    async def subscribe(self, **kwargs):
        await self.topic_activity.subscribe()


class SecondConsumer(SentinelMixin, AsyncAPIConsumer):
    """Same module, same handler name as ``FirstConsumer``: its own groups all the same."""

    @model_observer(Topic)
    async def topic_activity(self, message, **kwargs):
        await self.send_json({"second": message})

    @action()
    async def subscribe(self, **kwargs):
        await self.topic_activity.subscribe()


class PostByTitleConsumer(SentinelMixin, AsyncAPIConsumer):
    """``@obs.groups``: one function for both sides, called with an instance or with subscribe's arguments."""

    @model_observer(Post)
    async def titled_post(self, message, **kwargs):
        await self.send_json(message)

    @titled_post.groups
    def titled_post(self, instance=None, title=None, **kwargs):
        yield f"title-{instance.title if instance is not None else title}"

    @action()
    async def watch_title(self, title, **kwargs):
        await self.titled_post.subscribe(title=title)


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name"]


class FragileConsumer(SentinelMixin, AsyncAPIConsumer):
    """The handler fails on some topics; the serializer returns a serializer object, not its data."""

    @model_observer(Topic)
    async def topic_activity(self, message, **kwargs):
        if message["name"] == "boom":
            raise RuntimeError("handler failed")
        await self.send_json(message)

    @topic_activity.serializer
    def topic_activity(self, instance, action, **kwargs):
        return TopicSerializer(instance)

    @action()
    async def subscribe(self, **kwargs):
        await self.topic_activity.subscribe()


class ArticleConsumer(SentinelMixin, AsyncAPIConsumer):
    @observer(article_published)
    async def article_news(self, message, **kwargs):
        await self.send_json({"news": message, "action": kwargs["action"]})

    @article_news.serializer
    def article_news(self, signal, sender=None, title=None, section=None, **kwargs):
        return {"title": title, "section": section}

    @article_news.groups_for_signal
    def article_news(self, message=None, section=None, **kwargs):
        return section  # a single name works as well as an iterable

    @article_news.groups_for_consumer
    def article_news(self, section=None, **kwargs):
        return section

    @action()
    async def follow_section(self, section, **kwargs):
        await self.article_news.subscribe(section=section)


def in_thread(func):
    return database_sync_to_async(func)()


async def sentinel(*sockets):
    """Create a tag and check it is the next frame on every socket."""
    tag = await in_thread(lambda: Tag.objects.create(name="sentinel"))
    for socket in sockets:
        assert await socket.receive_json_from() == {"sentinel": tag.pk}


async def test_documented_model_observer_example(consumer_socket):
    socket = await consumer_socket(CommentConsumer)
    await socket.send_json_to({"action": "subscribe_to_comment_activity", "request_id": 1})
    await socket.request("watch_tags")
    topic = await in_thread(lambda: Topic.objects.create(name="user 1 creates a new comment"))
    assert await socket.receive_json_from() == {"name": "user 1 creates a new comment", "action": "create"}
    await in_thread(topic.delete)
    assert await socket.receive_json_from() == {"name": "user 1 creates a new comment", "action": "delete"}


async def test_handler_receives_dcrf_keyword_arguments(consumer_socket):
    socket = await consumer_socket(HandlerArgumentsConsumer)
    await socket.send_json_to({"action": "subscribe_twice"})
    await socket.request("watch_tags")
    topic = await in_thread(lambda: Topic.objects.create(name="kwargs"))
    assert await socket.receive_json_from() == {
        "message": {"pk": topic.pk},
        "observer_is_class_attribute": True,
        "action": "create",
        "message_type": "topic.activity",
        "subscribing_request_ids": ["first", {"nested": ["id"]}],
        "group_is_subscribed": True,
    }


async def test_unsubscribing_one_request_id_keeps_the_others(consumer_socket):
    socket = await consumer_socket(CommentConsumer)
    await socket.send_json_to({"action": "subscribe_to_comment_activity", "request_id": 1})
    await socket.send_json_to({"action": "subscribe_to_comment_activity", "request_id": 2})
    await socket.send_json_to({"action": "subscribe_without_request_id"})
    await socket.send_json_to({"action": "unsubscribe_from_comment_activity", "request_id": 1})
    await socket.send_json_to({"action": "unsubscribe_from_comment_activity", "request_id": "unknown"})
    await socket.request("watch_tags")
    await in_thread(lambda: Topic.objects.create(name="still subscribed"))
    assert (await socket.receive_json_from())["name"] == "still subscribed"

    # A subscription without request id is ended by an unsubscribe without request id, and only by it.
    await socket.send_json_to({"action": "unsubscribe_without_request_id"})
    await socket.request("watch_tags")
    await in_thread(lambda: Topic.objects.create(name="request 2 remains"))
    assert (await socket.receive_json_from())["name"] == "request 2 remains"

    await socket.send_json_to({"action": "unsubscribe_from_comment_activity", "request_id": 2})
    await socket.request("watch_tags")
    await in_thread(lambda: Topic.objects.create(name="nobody listens"))
    await sentinel(socket)


async def test_unsubscribe_without_request_id_ends_a_subscription_without_request_id(consumer_socket):
    socket = await consumer_socket(CommentConsumer)
    await socket.send_json_to({"action": "subscribe_without_request_id"})
    await socket.send_json_to({"action": "unsubscribe_without_request_id"})
    await socket.request("watch_tags")
    await in_thread(lambda: Topic.objects.create(name="unheard"))
    await sentinel(socket)


async def test_filtered_observer_uses_the_consumer_in_groups_for_consumer(consumer_socket, user, other_user):
    topic = await in_thread(lambda: Topic.objects.create(name="posts"))
    alice = await consumer_socket(UserPostsConsumer, user=user)
    bob = await consumer_socket(UserPostsConsumer, user=other_user)
    for socket in (alice, bob):
        await socket.send_json_to({"action": "subscribe_to_post_activity"})
        await socket.request("watch_tags")
    await in_thread(lambda: Post.objects.create(topic=topic, author=user, title="by alice"))
    assert await alice.receive_json_from() == {"title": "by alice", "action": "create"}
    await in_thread(lambda: Post.objects.create(topic=topic, author=other_user, title="by bob"))
    assert await bob.receive_json_from() == {"title": "by bob", "action": "create"}
    await sentinel(alice, bob)


async def test_same_handler_name_in_two_consumers_does_not_collide(consumer_socket):
    first = await consumer_socket(FirstConsumer)
    second = await consumer_socket(SecondConsumer)
    await first.send_json_to({"action": "subscribe"})
    for socket in (first, second):
        await socket.request("watch_tags")
    topic = await in_thread(lambda: Topic.objects.create(name="only first"))
    assert await first.receive_json_from() == {"first": {"pk": topic.pk}}
    await sentinel(first, second)

    await second.send_json_to({"action": "subscribe"})
    await second.request("watch_tags")
    topic = await in_thread(lambda: Topic.objects.create(name="both"))
    assert await first.receive_json_from() == {"first": {"pk": topic.pk}}
    assert await second.receive_json_from() == {"second": {"pk": topic.pk}}
    await sentinel(first, second)


async def test_one_groups_function_for_signal_and_consumer(consumer_socket):
    topic = await in_thread(lambda: Topic.objects.create(name="titles"))
    socket = await consumer_socket(PostByTitleConsumer)
    await socket.send_json_to({"action": "watch_title", "title": "wanted"})
    await socket.request("watch_tags")
    await in_thread(lambda: Post.objects.create(topic=topic, title="unwanted"))
    wanted = await in_thread(lambda: Post.objects.create(topic=topic, title="wanted"))
    assert await socket.receive_json_from() == {"pk": str(wanted.pk)}
    await sentinel(socket)


async def test_signal_observer_sends_from_threads_and_from_the_event_loop(consumer_socket):
    sports = await consumer_socket(ArticleConsumer)
    await sports.send_json_to({"action": "follow_section", "section": "sports"})
    await sports.request("watch_tags")

    await in_thread(lambda: article_published.send(sender=None, title="Final", section="sports"))
    assert await sports.receive_json_from() == {"news": {"title": "Final", "section": "sports"}, "action": None}
    article_published.send(sender=None, title="Budget", section="politics")
    article_published.send(sender=None, title="Derby", section="sports")
    assert await sports.receive_json_from() == {"news": {"title": "Derby", "section": "sports"}, "action": None}
    await sentinel(sports)


async def test_a_failing_handler_is_logged_and_the_socket_stays_open(consumer_socket, caplog):
    socket = await consumer_socket(FragileConsumer)
    await socket.send_json_to({"action": "subscribe"})
    await socket.request("watch_tags")
    await in_thread(lambda: Topic.objects.create(name="boom"))
    fine = await in_thread(lambda: Topic.objects.create(name="fine"))
    assert await socket.receive_json_from() == {"id": fine.pk, "name": "fine"}
    assert "FragileConsumer.topic_activity of FragileConsumer failed" in caplog.text
    await sentinel(socket)


def test_observer_handlers_must_be_async():
    def handler(self, message, **kwargs):
        pass

    with pytest.raises(TypeError, match="must be async"):
        model_observer(Topic)(handler)
