"""Input an attacker controls: frames, argument names, lookup values, subscriptions; each gets a clear answer."""

import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest import frames
from {{ cookiecutter.project_slug }}.channels_rest.consumers import view_as_consumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.mixins import RetrieveModelMixin
from {{ cookiecutter.project_slug }}.channels_rest.observer import ObserverModelInstanceMixin, ObserverModelListMixin
from {{ cookiecutter.project_slug }}.channels_rest.permissions import BasePermission

from .observed.models import Post, Topic
from .serializers import UserSerializer

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


class Reads(BasePermission):
    """A permission that reads the arguments, as project permissions do."""

    def has_permission(self, scope, consumer, action, **kwargs):
        return True

    def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return True


class UserConsumer(ObserverModelInstanceMixin, RetrieveModelMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.all()
    serializer_class = UserSerializer
    permission_classes = [Reads]

    @action()
    async def echo(self, x=None, pk=None):
        return {"x": x}, 200

    @action()
    async def not_a_number(self, **kwargs):
        return {"value": float("nan")}, 200


async def test_nesting_deeper_than_the_limit_is_a_400_and_the_socket_stays_open(consumer_socket, settings):
    settings.DJANGO_CHANNELS_REST_API = {**settings.DJANGO_CHANNELS_REST_API, "MAX_FRAME_SIZE": 1024 * 1024}
    socket = await consumer_socket(UserConsumer)
    for text in ["[" * 100_000 + "]" * 100_000, "[" * 970 + "]" * 970, '{"a": ' * 33 + "1" + "}" * 33]:
        await socket.send_to(text_data=text)
        assert (await socket.receive_json_from())["errors"] == ["JSON nested deeper than 32 levels."]
    nested = json.loads("[" * 31 + "]" * 31)
    assert (await socket.request("echo", x=nested))["data"] == {"x": nested}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"action": "echo", "x": NaN}', "NaN is not standard JSON."),
        ('{"action": "echo", "x": -Infinity}', "-Infinity is not standard JSON."),
        ('{"action": "echo", "x": 1e999}', "1e999 is too large for a JSON number."),
        ('{"action": "echo", "x": "\\ud800"}', "Strings must be valid Unicode: this one holds a lone surrogate."),
        ('{"action": "echo", "\\udc00": 1}', "Strings must be valid Unicode: this one holds a lone surrogate."),
    ],
)
async def test_json_that_is_not_standard_is_refused(consumer_socket, text, error):
    socket = await consumer_socket(UserConsumer)
    await socket.send_to(text_data=text)
    assert await socket.receive_json_from() == {
        "errors": [error],
        "data": None,
        "action": None,
        "response_status": 400,
        "request_id": None,
    }
    emoji = json.loads('"\\ud83d\\ude00"')
    assert (await socket.request("echo", x=emoji))["data"] == {"x": emoji}


async def test_a_reply_that_json_cannot_carry_is_a_500_frame(consumer_socket):
    socket = await consumer_socket(UserConsumer)
    await socket.send_json_to({"action": "not_a_number", "request_id": 3})
    raw = await socket.receive_from()
    assert json.loads(raw)["response_status"] == 500
    assert (await socket.request("echo"))["response_status"] == 200


@pytest.mark.parametrize("name", sorted(["scope", "consumer", "queryset", "obj", "self", "view", "instance"]))
async def test_internal_argument_names_are_a_400_naming_them(consumer_socket, user, name):
    socket = await consumer_socket(UserConsumer)
    for action_name in ("retrieve", "echo", "subscribe_instance"):
        await socket.send_json_to({"action": action_name, "pk": user.pk, name: 1, "request_id": 2})
        reply = await socket.receive_json_from()
        assert (reply["response_status"], reply["request_id"]) == (400, 2)
        assert reply["errors"] == [{name: ["Reserved argument name."]}]
    assert (await socket.request("retrieve", pk=user.pk))["response_status"] == 200


@pytest.mark.parametrize("value", [[], {}, 5, True])
async def test_an_action_that_is_not_a_string_is_a_405(consumer_socket, value):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request(value)
    assert reply["response_status"] == 405
    assert reply["errors"] == [f'Method "{value}" not allowed.']


def bad_lookups(pk):
    return [pk + 0.5, float(pk), f" {pk}", f"{pk} ", f"0{pk}", f"+{pk}", f"{pk}.0", [pk], {}, "abc", 2**70, -pk, None]


async def test_a_lookup_that_is_not_a_value_of_the_field_finds_nothing(consumer_socket, user):
    socket = await consumer_socket(UserConsumer)
    values = bad_lookups(user.pk) + ([True] if user.pk == 1 else [])
    for value in values:
        for action_name in ("retrieve", "subscribe_instance"):
            reply = await socket.request(action_name, pk=value)
            assert (reply["response_status"], reply["errors"]) == (404, ["Not found"]), value
    assert (await socket.request("retrieve", pk=str(user.pk)))["data"]["id"] == user.pk


async def test_a_frame_over_the_size_limit_closes_with_4009(consumer_socket, settings):
    settings.DJANGO_CHANNELS_REST_API = {**settings.DJANGO_CHANNELS_REST_API, "MAX_FRAME_SIZE": 100}
    socket = await consumer_socket(UserConsumer)
    at_limit = json.dumps({"action": "echo", "x": "é" * 36 + "a"}, ensure_ascii=False)
    assert frames.frame_size(at_limit) == 100
    await socket.send_to(text_data=at_limit)
    assert (await socket.receive_json_from())["response_status"] == 200
    await socket.send_to(text_data=at_limit.replace("é", "éé", 1))
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4009}
    binary = await consumer_socket(UserConsumer)
    await binary.send_to(bytes_data=b"x" * 101)
    assert await binary.receive_output() == {"type": "websocket.close", "code": 4009}


def rename(user, username):
    user.username = username
    return database_sync_to_async(user.save)()


async def updates_before_sentinel(socket, user, sentinel_user):
    """Change ``user``, then ``sentinel_user``: the frames received before the sentinel's update."""
    await rename(user, user.username + "!")
    await rename(sentinel_user, sentinel_user.username + "!")
    received = []
    while (reply := await socket.receive_json_from())["request_id"] != "sentinel":
        received.append(reply)
    return received


async def test_subscriptions_per_connection_are_capped(consumer_socket, user, other_user):
    socket = await consumer_socket(UserConsumer)
    sentinel = await socket.request("subscribe_instance", pk=other_user.pk, request_id="sentinel")
    assert sentinel["response_status"] == 201
    replies = [await socket.request("subscribe_instance", pk=user.pk, request_id=number) for number in range(1000)]
    accepted = [reply for reply in replies if reply["response_status"] == 201]
    refused = [reply for reply in replies if reply["response_status"] != 201]
    assert len(accepted) == 99  # the sentinel holds the hundredth
    assert {reply["response_status"] for reply in refused} == {429}
    assert refused[0]["errors"] == [
        "This connection already holds 100 subscriptions, the most it may: unsubscribe first."
    ]
    updates = await updates_before_sentinel(socket, user, other_user)
    assert sorted(update["request_id"] for update in updates) == list(range(99))
    # Ending one subscription makes room for another.
    assert (await socket.request("unsubscribe_instance", pk=user.pk, request_id=0))["response_status"] == 204
    assert (await socket.request("subscribe_instance", pk=user.pk, request_id=500))["response_status"] == 201


async def test_identical_subscriptions_deliver_one_frame_per_event(consumer_socket, user, other_user):
    socket = await consumer_socket(UserConsumer)
    await socket.request("subscribe_instance", pk=other_user.pk, request_id="sentinel")
    replies = [await socket.request("subscribe_instance", pk=user.pk, request_id=7) for _ in range(1000)]
    assert {reply["response_status"] for reply in replies} == {201}
    updates = await updates_before_sentinel(socket, user, other_user)
    assert [update["request_id"] for update in updates] == [7]


async def test_the_cap_is_a_setting(consumer_socket, user, settings):
    settings.DJANGO_CHANNELS_REST_API = {**settings.DJANGO_CHANNELS_REST_API, "MAX_SUBSCRIPTIONS_PER_CONNECTION": None}
    socket = await consumer_socket(UserConsumer)
    replies = [await socket.request("subscribe_instance", pk=user.pk, request_id=n) for n in range(150)]
    assert {reply["response_status"] for reply in replies} == {201}
    settings.DJANGO_CHANNELS_REST_API = {**settings.DJANGO_CHANNELS_REST_API, "MAX_SUBSCRIPTIONS_PER_CONNECTION": 2}
    other = await consumer_socket(UserConsumer)
    replies = [await other.request("subscribe_instance", pk=user.pk, request_id=n) for n in range(3)]
    assert [reply["response_status"] for reply in replies] == [201, 201, 429]


def one_thing(request, pk=None):
    return HttpResponse(f"thing {pk}")


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        ({"parameters": [1]}, {"parameters": ["Must be a JSON object."]}),
        ({"query": "a=1"}, {"query": ["Must be a JSON object."]}),
        ({"data": [1, 2]}, {"data": ["Must be a JSON object."]}),
        ({"body": {}}, {"body": ["Unexpected argument."]}),
        (
            {"query": {"a": {"b": 1}, "c": [None]}},
            {
                "query": [
                    "a: must be a string, a number or a list of them.",
                    "c: must be a string, a number or a list of them.",
                ]
            },
        ),
        ({"parameters": {"pk": [1]}}, {"parameters": ["pk: must be a string or an integer."]}),
        (
            {"parameters": {"colour": "red"}},
            {"parameters": ["Not a parameter of this view (got an unexpected keyword argument 'colour')."]},
        ),
    ],
)
async def test_a_view_answers_400_for_what_a_request_could_not_carry(consumer_socket, arguments, errors):
    socket = await consumer_socket(view_as_consumer(one_thing))
    reply = await socket.request("retrieve", **arguments)
    assert (reply["response_status"], reply["errors"]) == (400, [errors])
    assert (await socket.request("retrieve", parameters={"pk": 3}, query={"a": [1, "b"]}))["data"] == "thing 3"


class PostListConsumer(ObserverModelListMixin, GenericAsyncAPIConsumer):
    queryset = Post.objects.order_by("title")
    serializer_class = serializers.ModelSerializer
    filter_fields = ("topic",)

    def get_serializer_class(self, **kwargs):
        return type(
            "PostSerializer",
            (serializers.ModelSerializer,),
            {"Meta": type("Meta", (), {"model": Post, "fields": ["title"]})},
        )


async def test_a_filter_that_is_not_a_value_of_its_field_is_a_400(consumer_socket):
    topic = await database_sync_to_async(Topic.objects.create)(name="news")
    await database_sync_to_async(Post.objects.create)(topic=topic, title="a")
    socket = await consumer_socket(PostListConsumer)
    for value in [[topic.pk], {}, True, f" {topic.pk}", topic.pk + 0.5, 2**70]:
        for action_name in ("list", "subscribe_list"):
            reply = await socket.request(action_name, topic=value)
            assert (reply["response_status"], list(reply["errors"][0])) == (400, ["topic"]), value
    assert (await socket.request("list", topic=str(topic.pk)))["data"] == [{"title": "a"}]
