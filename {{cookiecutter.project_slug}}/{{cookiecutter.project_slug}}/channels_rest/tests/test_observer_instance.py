"""``ObserverModelInstanceMixin``: retrieve, subscribe to one object, receive its changes.

Absence is shown with a sentinel: a change of another subscribed object (bob,
who everyone may see) must be the next frame.
"""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.observer import ObserverModelInstanceMixin
from {{ cookiecutter.project_slug }}.channels_rest.permissions import BasePermission

from .observed.models import Post, Tag, Topic
from .serializers import UserSerializer

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


class UserConsumer(ObserverModelInstanceMixin, GenericAsyncAPIConsumer):
    """The documentation's "Observer model instance" example."""

    queryset = User.objects.all()
    serializer_class = UserSerializer


class Gate(BasePermission):
    """Refuses every action about the users in ``shut``; the object check hides users named "secret..."."""

    shut = set()

    async def has_permission(self, scope, consumer, action, pk=None, **kwargs):
        return str(pk) not in Gate.shut

    async def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return not obj.username.startswith("secret")


class GatedUserConsumer(UserConsumer):
    permission_classes = [Gate]


class ViewerSerializer(serializers.ModelSerializer):
    """Shows who is looking: the serializer sees the subscriber's request."""

    viewer = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "viewer"]

    def get_viewer(self, obj):
        ViewerSerializer.calls += 1
        return self.context["request"].user.get_username() or None

    calls = 0


class ActiveUserConsumer(ObserverModelInstanceMixin, GenericAsyncAPIConsumer):
    """No ``queryset``: only ``get_queryset()``, which hides inactive users."""

    serializer_class = ViewerSerializer
    queryset_reads = 0

    def get_queryset(self, **kwargs):
        ActiveUserConsumer.queryset_reads += 1
        return User.objects.filter(is_active=True)


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TagConsumer(ObserverModelInstanceMixin, GenericAsyncAPIConsumer):
    """Nothing declares the model: it is learnt from the first subscription."""

    serializer_class = TagSerializer

    def get_queryset(self, **kwargs):
        return Tag.objects.all()


class PostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "tags"]


class PostConsumer(ObserverModelInstanceMixin, GenericAsyncAPIConsumer):
    """DCRF's default: many-to-many changes are not updates."""

    queryset = Post.objects.all()
    serializer_class = PostSerializer


class TaggedPostConsumer(PostConsumer):
    observer_many_to_many_relationships = True


class TagPostsSerializer(serializers.Serializer):
    name = serializers.CharField()
    posts = serializers.SerializerMethodField()

    def get_posts(self, tag):
        return sorted(str(pk) for pk in tag.posts.values_list("pk", flat=True))


class TagPostsConsumer(ObserverModelInstanceMixin, GenericAsyncAPIConsumer):
    """The other side of ``Post.tags``, its model learnt from the first subscription."""

    serializer_class = TagPostsSerializer
    observer_many_to_many_relationships = True

    def get_queryset(self, **kwargs):
        return Tag.objects.all()


def in_thread(func):
    return database_sync_to_async(func)()


def rename(user, username):
    user.username = username
    return in_thread(user.save)


def frame(action, data, request_id, status=200):
    return {"errors": [], "data": data, "action": action, "response_status": status, "request_id": request_id}


async def subscribe(socket, pk, request_id):
    reply = await socket.request("subscribe_instance", pk=pk, request_id=request_id)
    assert reply == frame("subscribe_instance", None, request_id, status=201)


async def sentinel(socket, bob, request_id="sentinel"):
    """Subscribe to bob (if needed), change him, and check it is the next frame."""
    await socket.request("subscribe_instance", pk=bob.pk, request_id=request_id)
    await rename(bob, bob.username + "!")
    assert (await socket.receive_json_from())["data"]["username"] == bob.username


async def test_documented_example_retrieve_subscribe_update_delete(consumer_socket, user):
    socket = await consumer_socket(UserConsumer)
    assert await socket.request("retrieve", pk=user.pk, request_id=1) == frame(
        "retrieve", {"id": user.pk, "username": "alice", "email": "alice@example.com"}, 1
    )
    await subscribe(socket, user.pk, 1550050)
    await rename(user, "edited user name")
    assert await socket.receive_json_from() == frame(
        "update", {"id": user.pk, "username": "edited user name", "email": "alice@example.com"}, 1550050
    )
    pk = user.pk
    await in_thread(user.delete)
    assert await socket.receive_json_from() == frame("delete", {"pk": pk}, 1550050, status=204)


async def test_one_frame_per_request_id_and_per_transaction(consumer_socket, user):
    socket = await consumer_socket(UserConsumer)
    await subscribe(socket, user.pk, "a")
    await subscribe(socket, user.pk, "b")

    def three_saves():
        with transaction.atomic():
            for name in ("one", "two", "three"):
                user.username = name
                user.save()

    await in_thread(three_saves)
    frames = [await socket.receive_json_from(), await socket.receive_json_from()]
    assert sorted(f["request_id"] for f in frames) == ["a", "b"]
    assert {f["data"]["username"] for f in frames} == {"three"}


async def test_unsubscribing_one_request_id_never_silences_another(consumer_socket, user, other_user):
    socket = await consumer_socket(UserConsumer)
    await subscribe(socket, user.pk, "a")
    await subscribe(socket, user.pk, "b")
    reply = await socket.request("unsubscribe_instance", pk=user.pk, request_id="a")
    assert reply == frame("unsubscribe_instance", None, "a", status=204)
    await rename(user, "still watched")
    assert (await socket.receive_json_from())["request_id"] == "b"
    await sentinel(socket, other_user)

    # Without a request id, only a subscription made without one ends.
    await socket.request("unsubscribe_instance", pk=user.pk)
    await rename(user, "watched by b")
    assert (await socket.receive_json_from())["request_id"] == "b"

    await socket.request("unsubscribe_instance", pk=str(user.pk), request_id="b")
    await rename(user, "unwatched")
    await sentinel(socket, other_user)


async def test_subscription_without_request_id_is_symmetric(consumer_socket, user, other_user):
    socket = await consumer_socket(UserConsumer)
    await socket.send_json_to({"action": "subscribe_instance", "pk": user.pk})
    assert (await socket.receive_json_from())["response_status"] == 201
    await rename(user, "anonymous subscription")
    assert (await socket.receive_json_from())["request_id"] is None
    await socket.send_json_to({"action": "unsubscribe_instance", "pk": user.pk})
    assert (await socket.receive_json_from())["response_status"] == 204
    await rename(user, "unwatched")
    await sentinel(socket, other_user)


async def test_bad_subscriptions_get_error_frames(consumer_socket, user):
    socket = await consumer_socket(UserConsumer)
    for action in ("retrieve", "subscribe_instance"):
        reply = await socket.request(action, pk=999999, request_id=2)
        assert reply == {**frame(action, None, 2, status=404), "errors": ["Not found"]}
    assert (await socket.request("subscribe_instance"))["response_status"] == 400
    assert (await socket.request("unsubscribe_instance"))["errors"] == [{"pk": ["This argument is required."]}]
    # The socket is still usable.
    await subscribe(socket, user.pk, 1)


async def test_unsubscribe_after_the_object_is_gone(consumer_socket, user, other_user):
    socket = await consumer_socket(UserConsumer)
    await subscribe(socket, user.pk, 1)
    pk = user.pk
    await in_thread(user.delete)
    assert (await socket.receive_json_from())["action"] == "delete"
    assert (await socket.request("unsubscribe_instance", pk=pk, request_id=1))["response_status"] == 204
    await sentinel(socket, other_user)


async def test_denied_delivery_sends_nothing_at_all(consumer_socket, user, other_user):
    socket = await consumer_socket(GatedUserConsumer)
    await subscribe(socket, user.pk, 1)
    Gate.shut.add(str(user.pk))
    try:
        await rename(user, "while the gate is shut")
        await sentinel(socket, other_user)  # no error frame, no data: the sentinel comes next
    finally:
        Gate.shut.clear()

    await rename(user, "secret identity")  # the object check refuses the new state
    await sentinel(socket, other_user)
    await in_thread(user.delete)  # ... and the deleted object
    await sentinel(socket, other_user)


async def test_get_queryset_only_consumer_serializes_once_per_event_for_each_user(
    consumer_socket, user, other_user, staff_user
):
    alice_sockets = [await consumer_socket(ActiveUserConsumer, user=user) for _ in range(3)]
    bob_socket = await consumer_socket(ActiveUserConsumer, user=other_user)
    for socket in alice_sockets:
        await subscribe(socket, staff_user.pk, "first")
        await subscribe(socket, staff_user.pk, "second")
    await subscribe(bob_socket, staff_user.pk, "bob")
    ViewerSerializer.calls = ActiveUserConsumer.queryset_reads = 0

    await rename(staff_user, "carol renamed")
    for socket in alice_sockets:
        frames = [await socket.receive_json_from(), await socket.receive_json_from()]
        assert [f["request_id"] for f in frames] == ["first", "second"]
        assert {f["data"]["viewer"] for f in frames} == {"alice"}
    assert (await bob_socket.receive_json_from())["data"]["viewer"] == "bob"
    # One read and one serialization per event and user, not per socket or request id.
    assert (ViewerSerializer.calls, ActiveUserConsumer.queryset_reads) == (2, 2)


async def test_object_leaving_get_queryset_is_not_delivered(consumer_socket, user, other_user, staff_user):
    socket = await consumer_socket(ActiveUserConsumer, user=staff_user)
    await subscribe(socket, user.pk, 1)
    user.is_active = False
    await in_thread(user.save)
    await sentinel(socket, other_user)


async def test_model_learnt_from_the_first_subscription(consumer_socket):
    tag = await in_thread(lambda: Tag.objects.create(name="lazy"))
    socket = await consumer_socket(TagConsumer)
    await subscribe(socket, tag.pk, 7)
    tag.name = "bound late"
    await in_thread(tag.save)
    assert await socket.receive_json_from() == frame("update", {"id": tag.pk, "name": "bound late"}, 7)


@database_sync_to_async
def tagged_post():
    post = Post.objects.create(topic=Topic.objects.create(name="m2m"), title="tagged")
    return post, Tag.objects.create(name="news"), Tag.objects.create(name="sport")


async def test_many_to_many_changes_are_updates_once_per_transaction(consumer_socket):
    post, news, sport = await tagged_post()
    watcher = await consumer_socket(TaggedPostConsumer)
    plain = await consumer_socket(PostConsumer)
    await subscribe(watcher, str(post.pk), 1)
    await subscribe(plain, str(post.pk), 1)

    async def expect(tags):
        reply = await watcher.receive_json_from()
        assert (reply["action"], reply["request_id"], sorted(reply["data"]["tags"])) == ("update", 1, tags)

    await in_thread(lambda: post.tags.add(news))  # forward
    await expect([news.pk])
    await in_thread(lambda: sport.posts.add(post))  # reverse
    await expect([news.pk, sport.pk])
    await in_thread(lambda: news.posts.remove(post))
    await expect([sport.pk])
    await in_thread(lambda: post.tags.set([news]))  # a remove and an add in one transaction: one update
    await expect([news.pk])
    await in_thread(post.tags.clear)
    await expect([])
    await in_thread(lambda: post.tags.set([news, sport]))
    await expect([news.pk, sport.pk])
    await in_thread(sport.posts.clear)
    await expect([news.pk])

    # Nothing else was sent to either socket: a rename is the next frame of both.
    post.title = "renamed"
    await in_thread(post.save)
    for socket in (watcher, plain):
        assert (await socket.receive_json_from())["data"]["title"] == "renamed"


async def test_many_to_many_changes_reach_the_other_side(consumer_socket):
    post, news, sport = await tagged_post()
    socket = await consumer_socket(TagPostsConsumer)
    await subscribe(socket, news.pk, "news")
    await in_thread(lambda: post.tags.add(news, sport))
    assert await socket.receive_json_from() == frame("update", {"name": "news", "posts": [str(post.pk)]}, "news")
    await in_thread(lambda: news.posts.remove(post))
    assert (await socket.receive_json_from())["data"]["posts"] == []
    await in_thread(lambda: post.tags.set([news]))
    assert (await socket.receive_json_from())["data"]["posts"] == [str(post.pk)]
    await in_thread(post.tags.clear)
    assert (await socket.receive_json_from())["data"]["posts"] == []
    news.name = "renamed"
    await in_thread(news.save)
    assert (await socket.receive_json_from())["data"] == {"name": "renamed", "posts": []}


def test_tutorial_imports():
    """The chat tutorial imports ``action`` from ``observer.generics``, and the mixin from ``observer``."""
    from {{ cookiecutter.project_slug }}.channels_rest import decorators, observer
    from {{ cookiecutter.project_slug }}.channels_rest.observer import generics

    assert generics.action is decorators.action
    assert observer.ObserverModelInstanceMixin is generics.ObserverModelInstanceMixin
