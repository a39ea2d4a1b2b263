import asyncio

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse, QueryDict
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.channels_rest.view_adapter import DjangoViewAsConsumer, view_as_consumer

from .serializers import UserSerializer

pytestmark = pytest.mark.django_db(transaction=True)


class EchoView(APIView):
    """Authenticated (the project's DRF default permission), echoes what the request carried."""

    def describe(self, request, **kwargs):
        return Response(
            {
                "method": request.method,
                "user": request.user.get_username(),
                "data": request.data,
                "query": {key: request.query_params.getlist(key) for key in request.query_params},
                "kwargs": kwargs,
            }
        )

    get = post = put = patch = describe


echo = view_as_consumer(EchoView.as_view())


class UserDetail(generics.RetrieveAPIView):
    queryset = get_user_model().objects.all()
    serializer_class = UserSerializer
    permission_classes = [permissions.AllowAny]


def plain_view(request, **kwargs):
    return HttpResponse(f"hello {request.user.get_username() or 'stranger'} via {request.method}")


def binary_view(request, **kwargs):
    return HttpResponse(b"\xff\x00")


async def test_get_with_query_and_parameters(consumer_socket, user):
    socket = await consumer_socket(echo, user=user)
    reply = await socket.request("list", query={"colour": ["red", "blue"], "size": 2}, parameters={"pk": 7})
    assert reply["response_status"] == 200
    assert reply["data"] == {
        "method": "GET",
        "user": "alice",
        "data": {},
        "query": {"colour": ["red", "blue"], "size": [2]},
        "kwargs": {"pk": 7},
    }


def query_view(request, **kwargs):
    """Reports what ``request.GET`` holds, with each value's Python type."""
    get = request.GET
    try:
        get["added"] = "by the view"
        immutable = False
    except AttributeError:
        immutable = True
    return Response(
        {
            "query_dict": isinstance(get, QueryDict) and immutable,
            "single": {key: [get[key], type(get[key]).__name__] for key in get},
            "lists": {key: get.getlist(key) for key in get},
            "query_string": request.META["QUERY_STRING"],
        }
    )


async def test_query_values_keep_their_json_types(consumer_socket):
    """As in DCRF: ``{"query": {"value": 1}}`` gives ``request.GET["value"] == 1``, in a read-only QueryDict."""
    socket = await consumer_socket(view_as_consumer(query_view))
    reply = await socket.request("list", query={"value": 1, "ratio": 0.5, "name": "x", "ids": [3, "4"]})
    assert reply["data"] == {
        "query_dict": True,
        "single": {"value": [1, "int"], "ratio": [0.5, "float"], "name": ["x", "str"], "ids": ["4", "str"]},
        "lists": {"value": [1], "ratio": [0.5], "name": ["x"], "ids": [3, "4"]},
        "query_string": "value=1&ratio=0.5&name=x&ids=3&ids=4",
    }
    assert (await socket.request("list"))["data"]["lists"] == {}


@pytest.mark.parametrize("action, method", [("create", "POST"), ("update", "PUT"), ("patch", "PATCH")])
async def test_data_reaches_drf_request_data(consumer_socket, user, action, method):
    socket = await consumer_socket(echo, user=user)
    reply = await socket.request(action, data={"name": "thing", "tags": [1, 2]})
    assert reply["response_status"] == 200
    assert reply["data"]["method"] == method
    assert reply["data"]["data"] == {"name": "thing", "tags": [1, 2]}


async def test_drf_view_sees_the_scope_user(consumer_socket, user):
    anonymous = await consumer_socket(echo)
    denied = await anonymous.request("list")
    assert denied["response_status"] == 403
    assert denied["data"] == {"detail": "Authentication credentials were not provided."}
    member = await consumer_socket(echo, user=user)
    assert (await member.request("retrieve"))["data"]["user"] == "alice"


async def test_each_connection_has_its_own_consumer(consumer_socket, user, other_user):
    alice = await consumer_socket(echo, user=user)
    bob = await consumer_socket(echo, user=other_user)
    replies = await asyncio.gather(*(socket.request("list") for socket in [alice, bob, alice, bob]))
    assert [reply["data"]["user"] for reply in replies] == ["alice", "bob", "alice", "bob"]
    assert issubclass(echo.consumer_class, DjangoViewAsConsumer)


async def test_retrieve_api_view_with_parameters(consumer_socket, user):
    socket = await consumer_socket(view_as_consumer(UserDetail.as_view()))
    reply = await socket.request("retrieve", parameters={"pk": user.pk})
    assert reply["data"] == {"id": user.pk, "username": "alice", "email": "alice@example.com"}
    missing = await socket.request("retrieve", parameters={"pk": 0})
    assert (missing["response_status"], missing["data"]) == (404, {"detail": "No User matches the given query."})


async def test_plain_django_view_replies_with_its_text(consumer_socket, user):
    socket = await consumer_socket(view_as_consumer(plain_view), user=user)
    assert (await socket.request("list"))["data"] == "hello alice via GET"
    anonymous = await consumer_socket(view_as_consumer(plain_view))
    assert (await anonymous.request("patch"))["data"] == "hello stranger via PATCH"


async def test_undecodable_body_is_sent_as_hex(consumer_socket):
    socket = await consumer_socket(view_as_consumer(binary_view))
    assert (await socket.request("list"))["data"] == "ff00"


async def test_unmapped_and_missing_actions_are_405(consumer_socket, user):
    socket = await consumer_socket(echo, user=user)
    assert (await socket.request("shout"))["errors"] == ['Method "shout" not allowed.']
    assert (await socket.request("connect"))["errors"] == ['Method "connect" not allowed.']
    # Mapped, but the view has no DELETE: the view's own 405.
    assert (await socket.request("delete"))["response_status"] == 405
    await socket.send_json_to({"request_id": 1})
    assert (await socket.receive_json_from())["errors"] == ["Unable to find action in message body."]
    assert (await socket.request("list"))["response_status"] == 200


async def test_custom_mapped_actions(consumer_socket):
    socket = await consumer_socket(view_as_consumer(plain_view, mapped_actions={"remove": "DELETE"}))
    assert (await socket.request("remove"))["data"] == "hello stranger via DELETE"
    assert (await socket.request("list"))["response_status"] == 405


async def test_bad_frames_keep_the_socket_open(consumer_socket, user):
    socket = await consumer_socket(echo, user=user)
    await socket.send_to(text_data="{")
    assert (await socket.receive_json_from())["response_status"] == 400
    assert (await socket.request("list"))["response_status"] == 200
