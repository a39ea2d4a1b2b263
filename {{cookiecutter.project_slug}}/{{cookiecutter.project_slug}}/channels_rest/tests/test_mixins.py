import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.mixins import (
    CreateModelMixin,
    DeleteModelMixin,
    ListModelMixin,
    PaginatedModelListMixin,
    PatchModelMixin,
    RetrieveModelMixin,
    StreamedPaginatedListMixin,
    UpdateModelMixin,
)
from {{ cookiecutter.project_slug }}.channels_rest.pagination import WebsocketLimitOffsetPagination
from {{ cookiecutter.project_slug }}.channels_rest.permissions import IsAuthenticated

from .serializers import UserSerializer

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


class UserConsumer(
    ListModelMixin,
    RetrieveModelMixin,
    PatchModelMixin,
    UpdateModelMixin,
    CreateModelMixin,
    DeleteModelMixin,
    GenericAsyncAPIConsumer,
):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer


@database_sync_to_async
def usernames():
    return list(User.objects.order_by("pk").values_list("username", flat=True))


@database_sync_to_async
def make_users(count):
    return [User.objects.create_user(f"user{number}", f"user{number}@example.com") for number in range(count)]


async def test_list(consumer_socket, user, other_user):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("list", request_id=1)
    assert reply["response_status"] == 200
    assert reply["data"] == [
        {"id": user.pk, "username": "alice", "email": "alice@example.com"},
        {"id": other_user.pk, "username": "bob", "email": "bob@example.com"},
    ]


class FilteredConsumer(UserConsumer):
    def filter_queryset(self, queryset, **kwargs):
        if "username" in kwargs:
            queryset = queryset.filter(username=kwargs["username"])
        return queryset


async def test_list_arguments_reach_filter_queryset(consumer_socket, user, other_user):
    socket = await consumer_socket(FilteredConsumer)
    assert [item["username"] for item in (await socket.request("list", username="bob"))["data"]] == ["bob"]


async def test_patch_changes_only_given_fields(consumer_socket, user):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("patch", pk=user.pk, data={"email": "edited@example.com"})
    assert reply["response_status"] == 200
    assert reply["data"] == {"id": user.pk, "username": "alice", "email": "edited@example.com"}


async def test_update_requires_every_required_field(consumer_socket, user):
    socket = await consumer_socket(UserConsumer)
    partial = await socket.request("update", pk=user.pk, data={"email": "x@example.com"})
    assert partial["response_status"] == 400
    assert partial["errors"] == [{"username": ["This field is required."]}]
    reply = await socket.request("update", pk=user.pk, data={"username": "user2", "email": "x@example.com"})
    assert reply["data"] == {"id": user.pk, "username": "user2", "email": "x@example.com"}
    assert await usernames() == ["user2"]


@pytest.mark.parametrize("action", ["update", "patch"])
async def test_update_and_patch_without_data_are_400(consumer_socket, user, action):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request(action, pk=user.pk)
    assert reply["response_status"] == 400
    assert reply["errors"] == [{"data": ["This argument is required."]}]


async def test_delete(consumer_socket, user, other_user):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("delete", pk=user.pk, request_id=6)
    assert reply == {"errors": [], "data": None, "action": "delete", "response_status": 204, "request_id": 6}
    assert await usernames() == ["bob"]
    assert (await socket.request("delete", pk=user.pk))["response_status"] == 404


@pytest.mark.parametrize("action", ["retrieve", "update", "patch", "delete"])
async def test_a_missing_object_is_404_in_dcrfs_words(consumer_socket, user, action):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request(action, pk=user.pk + 1000, data={"email": "x@example.com"}, request_id=3)
    assert reply == {"errors": ["Not found"], "data": None, "action": action, "response_status": 404, "request_id": 3}


class HookedConsumer(UserConsumer):
    def perform_create(self, serializer, **kwargs):
        serializer.save(email="hooked@example.com")

    def perform_update(self, serializer, **kwargs):
        serializer.save(email="updated-by-hook@example.com")

    def perform_patch(self, serializer, **kwargs):
        serializer.save(email="patched-by-hook@example.com")

    def perform_delete(self, instance, **kwargs):
        instance.is_active = False
        instance.save()


async def test_perform_hooks(consumer_socket, user):
    socket = await consumer_socket(HookedConsumer)
    created = await socket.request("create", data={"username": "dave"})
    assert created["data"]["email"] == "hooked@example.com"
    updated = await socket.request("update", pk=user.pk, data={"username": "alice"})
    assert updated["data"]["email"] == "updated-by-hook@example.com"
    patched = await socket.request("patch", pk=user.pk, data={})
    assert patched["data"]["email"] == "patched-by-hook@example.com"
    assert (await socket.request("delete", pk=user.pk))["response_status"] == 204
    assert not await database_sync_to_async(lambda: User.objects.get(pk=user.pk).is_active)()


class GroupsSerializer(UserSerializer):
    groups = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "groups"]


class PrefetchingConsumer(UserConsumer):
    """Prefetches the groups a save changes, as a view with ``prefetch_related`` does."""

    queryset = User.objects.prefetch_related("groups").order_by("pk")
    serializer_class = GroupsSerializer

    def perform_save(self, serializer):
        # Through the group's side, which leaves the user's prefetched groups as they were.
        Group.objects.get_or_create(name="editors")[0].user_set.add(serializer.save())

    def perform_update(self, serializer, **kwargs):
        self.perform_save(serializer)

    def perform_patch(self, serializer, **kwargs):
        self.perform_save(serializer)


@pytest.mark.parametrize("action", ["update", "patch"])
async def test_saving_forgets_prefetched_relations(consumer_socket, user, action):
    socket = await consumer_socket(PrefetchingConsumer)
    reply = await socket.request(action, pk=user.pk, data={"username": "alice"})
    assert reply["response_status"] == 200
    assert reply["data"]["groups"] == ["editors"]


class PaginatedConsumer(PaginatedModelListMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    pagination_class = WebsocketLimitOffsetPagination


async def test_paginated_list(consumer_socket):
    users = await make_users(5)
    socket = await consumer_socket(PaginatedConsumer)
    reply = await socket.request("list", limit=2, offset=1)
    assert reply["response_status"] == 200
    assert reply["data"] == {
        "count": 5,
        "results": [UserSerializer(user).data for user in users[1:3]],
        "limit": 2,
        "offset": 1,
    }


class UnpaginatedConsumer(PaginatedModelListMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    pagination_class = None


async def test_paginated_list_without_paginator_is_a_plain_list(consumer_socket):
    await make_users(3)
    socket = await consumer_socket(UnpaginatedConsumer)
    assert [item["username"] for item in (await socket.request("list", limit=1))["data"]] == [
        "user0",
        "user1",
        "user2",
    ]


class MembersBase(GenericAsyncAPIConsumer):
    permission_classes = [IsAuthenticated]
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer


class MembersList(PaginatedModelListMixin, MembersBase):
    pass


async def test_mixins_do_not_replace_the_consumers_permissions(consumer_socket, user):
    anonymous = await consumer_socket(MembersList)
    assert (await anonymous.request("list"))["response_status"] == 403
    member = await consumer_socket(MembersList, user=user)
    assert (await member.request("list"))["response_status"] == 200


class StreamedConsumer(StreamedPaginatedListMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    pagination_class = WebsocketLimitOffsetPagination


async def test_streamed_list_sends_one_reply_per_page(consumer_socket):
    await make_users(5)
    socket = await consumer_socket(StreamedConsumer)
    first = await socket.request("list", limit=2, request_id="s")
    pages = [first, await socket.receive_json_from(), await socket.receive_json_from()]
    assert await socket.receive_nothing()
    assert [page["data"]["offset"] for page in pages] == [0, 2, 4]
    assert [[user["username"] for user in page["data"]["results"]] for page in pages] == [
        ["user0", "user1"],
        ["user2", "user3"],
        ["user4"],
    ]
    assert {(page["action"], page["request_id"], page["response_status"]) for page in pages} == {("list", "s", 200)}


async def test_streamed_list_of_nothing_sends_one_empty_page(consumer_socket):
    socket = await consumer_socket(StreamedConsumer)
    reply = await socket.request("list")
    assert reply["data"]["count"] == 0
    assert reply["data"]["results"] == []
    assert await socket.receive_nothing()


class SlowStreamedConsumer(StreamedConsumer):
    sleep_time_between_pages = 30


async def test_list_cancel_stops_streams_in_flight(consumer_socket):
    await make_users(4)
    socket = await consumer_socket(SlowStreamedConsumer)
    first = await socket.request("list", limit=1, request_id="stream")
    assert first["data"]["results"][0]["username"] == "user0"
    cancel = await socket.request("list_cancel", request_id="stop")
    assert cancel == {
        "errors": [],
        "data": None,
        "action": "list_cancel",
        "response_status": 200,
        "request_id": "stop",
    }
    assert await socket.receive_nothing()


async def test_streamed_list_answers_other_actions_meanwhile(consumer_socket):
    await make_users(3)
    socket = await consumer_socket(SlowStreamedConsumer)
    await socket.request("list", limit=1, request_id="stream")
    await socket.send_json_to({"action": "nope", "request_id": "other"})
    assert (await socket.receive_json_from())["request_id"] == "other"


class UnpaginatedStream(StreamedPaginatedListMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    pagination_class = None


async def test_streamed_list_without_paginator_sends_one_plain_list(consumer_socket, user, other_user):
    socket = await consumer_socket(UnpaginatedStream)
    reply = await socket.request("list")
    assert [item["username"] for item in reply["data"]] == ["alice", "bob"]
    assert await socket.receive_nothing()
