"""``ObserverModelListMixin``: subscribe to a filtered list; objects enter, change in and leave it.

Absence is shown with a sentinel: a new post in the sentinel topic, to which
every socket here subscribes, must be the next frame.
"""

from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.observer import ObserverModelListMixin

from .observed.models import Post, Topic

pytestmark = pytest.mark.django_db(transaction=True)


class PostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "status", "topic", "price"]


class PostListConsumer(ObserverModelListMixin, GenericAsyncAPIConsumer):
    queryset = Post.objects.order_by("title")
    serializer_class = PostSerializer
    filter_fields = ("topic", "status")


def in_thread(func):
    return database_sync_to_async(func)()


def frame(action, data, request_id, status=200):
    return {"errors": [], "data": data, "action": action, "response_status": status, "request_id": request_id}


def serialized(post):
    return {"id": str(post.pk), "title": post.title, "status": post.status, "topic": post.topic_id, "price": "0.00"}


@pytest.fixture
async def topics():
    return await in_thread(lambda: [Topic.objects.create(name=name) for name in ("news", "sports", "sentinel")])


async def subscribe(socket, request_id, **filters):
    reply = await socket.request("subscribe_list", request_id=request_id, **filters)
    assert reply == frame("subscribe_list", None, request_id, status=201)


async def open_list(consumer_socket, sentinel_topic):
    socket = await consumer_socket(PostListConsumer)
    await subscribe(socket, "sentinel", topic=sentinel_topic.pk)
    return socket


async def sentinel(sentinel_topic, *sockets):
    post = await in_thread(lambda: Post.objects.create(topic=sentinel_topic, title="sentinel"))
    for socket in sockets:
        assert await socket.receive_json_from() == frame("create", serialized(post), "sentinel")


def save(post, **changes):
    for name, value in changes.items():
        setattr(post, name, value)
    return in_thread(post.save)


async def test_objects_enter_change_and_leave_a_filtered_list(consumer_socket, topics):
    news, sports, sentinel_topic = topics
    socket = await open_list(consumer_socket, sentinel_topic)
    await subscribe(socket, 1, topic=news.pk)

    post = await in_thread(lambda: Post.objects.create(topic=news, title="created in news"))
    assert await socket.receive_json_from() == frame("create", serialized(post), 1)
    await save(post, title="edited in news")
    assert await socket.receive_json_from() == frame("update", serialized(post), 1)
    await save(post, topic=sports)
    assert await socket.receive_json_from() == frame("delete", {"pk": str(post.pk)}, 1, status=204)
    await save(post, title="edited in sports")
    await sentinel(sentinel_topic, socket)
    await save(post, topic=news)
    assert await socket.receive_json_from() == frame("create", serialized(post), 1)
    pk = str(post.pk)
    await in_thread(post.delete)
    assert await socket.receive_json_from() == frame("delete", {"pk": pk}, 1, status=204)


async def test_each_subscription_sees_the_change_its_filters_imply(consumer_socket, topics):
    """One move, three views: the whole list sees an update, the old set a delete, the new set a create."""
    news, sports, sentinel_topic = topics
    post = await in_thread(lambda: Post.objects.create(topic=news, title="moving"))
    everything = await open_list(consumer_socket, sentinel_topic)
    await subscribe(everything, "all")
    in_news = await open_list(consumer_socket, sentinel_topic)
    await subscribe(in_news, "news", topic=str(news.pk))
    published_sports = await open_list(consumer_socket, sentinel_topic)
    await subscribe(published_sports, "published sports", topic=sports.pk, status="published")

    def move_and_publish():
        with transaction.atomic():
            post.topic = sports
            post.save()
            post.status = "published"
            post.save()

    await in_thread(move_and_publish)
    assert await everything.receive_json_from() == frame("update", serialized(post), "all")
    assert await in_news.receive_json_from() == frame("delete", {"pk": str(post.pk)}, "news", status=204)
    assert await published_sports.receive_json_from() == frame("create", serialized(post), "published sports")
    # The sentinel topic's posts are in the whole list as well.
    created = await in_thread(lambda: Post.objects.create(topic=sentinel_topic, title="sentinel"))
    assert await everything.receive_json_from() == frame("create", serialized(created), "all")
    assert await everything.receive_json_from() == frame("create", serialized(created), "sentinel")
    for socket in (in_news, published_sports):
        assert await socket.receive_json_from() == frame("create", serialized(created), "sentinel")


async def test_unsubscribe_list(consumer_socket, topics):
    news, _, sentinel_topic = topics
    socket = await open_list(consumer_socket, sentinel_topic)
    await subscribe(socket, 1, topic=news.pk)
    reply = await socket.request("unsubscribe_list", request_id=1, topic=news.pk)
    assert reply == frame("unsubscribe_list", None, 1, status=204)
    await in_thread(lambda: Post.objects.create(topic=news, title="unheard"))
    await sentinel(sentinel_topic, socket)


async def test_bad_filters_are_400_and_the_socket_stays_open(consumer_socket, topics):
    news, _, sentinel_topic = topics
    socket = await open_list(consumer_socket, sentinel_topic)
    reply = await socket.request("subscribe_list", author=1)
    assert (reply["response_status"], reply["errors"]) == (400, [{"author": ["Not a filter of this list."]}])
    reply = await socket.request("subscribe_list", topic="not a number")
    assert reply["response_status"] == 400
    assert list(reply["errors"][0]) == ["topic"]
    await sentinel(sentinel_topic, socket)


async def test_list_applies_the_same_filters(consumer_socket, topics):
    news, sports, sentinel_topic = topics

    def create_posts():
        Post.objects.create(topic=news, title="a", status="published", price=Decimal("1.50"))
        Post.objects.create(topic=news, title="b")
        Post.objects.create(topic=sports, title="c", status="published")

    await in_thread(create_posts)
    socket = await consumer_socket(PostListConsumer)
    reply = await socket.request("list", topic=news.pk, status="published")
    assert [post["title"] for post in reply["data"]] == ["a"]
    assert reply["data"][0]["price"] == "1.50"
    reply = await socket.request("list", topic=news.pk)
    assert [post["title"] for post in reply["data"]] == ["a", "b"]
