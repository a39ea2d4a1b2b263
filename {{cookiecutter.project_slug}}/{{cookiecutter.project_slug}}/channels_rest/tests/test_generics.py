import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from rest_framework import permissions as drf_permissions
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.mixins import CreateModelMixin, RetrieveModelMixin, UpdateModelMixin
from {{ cookiecutter.project_slug }}.channels_rest.permissions import BasePermission, IsAuthenticated

from .serializers import UserSerializer

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


class UserConsumer(RetrieveModelMixin, CreateModelMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.all()
    serializer_class = UserSerializer


async def test_retrieve(consumer_socket, user):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("retrieve", pk=user.pk, request_id=1)
    assert reply == {
        "errors": [],
        "data": {"id": user.pk, "username": "alice", "email": "alice@example.com"},
        "action": "retrieve",
        "response_status": 200,
        "request_id": 1,
    }


@pytest.mark.parametrize("pk", [999999, "not-a-number", None])
async def test_retrieve_missing_or_malformed_pk_is_404(consumer_socket, pk):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("retrieve", pk=pk)
    assert reply["response_status"] == 404
    assert reply["errors"] == ["Not found"]


async def test_retrieve_without_lookup_is_400(consumer_socket):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("retrieve")
    assert reply["response_status"] == 400
    assert reply["errors"] == [{"pk": ["This argument is required."]}]
    assert (await socket.request("retrieve", pk=0))["response_status"] == 404


async def test_create(consumer_socket):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("create", data={"username": "dave", "email": "dave@example.com"})
    assert reply["response_status"] == 201
    assert reply["data"]["username"] == "dave"
    assert await database_sync_to_async(User.objects.filter(username="dave").exists)()


async def test_create_validation_errors_are_400_with_field_detail(consumer_socket):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("create", data={"email": "not an email"})
    assert reply["response_status"] == 400
    assert reply["errors"] == [{"username": ["This field is required."], "email": ["Enter a valid email address."]}]


async def test_create_without_data_is_400(consumer_socket):
    socket = await consumer_socket(UserConsumer)
    reply = await socket.request("create")
    assert reply["response_status"] == 400
    assert reply["errors"] == [{"data": ["This argument is required."]}]


class ByUsername(UserConsumer):
    lookup_field = "username"
    lookup_url_kwarg = "name"


async def test_lookup_field_and_url_kwarg(consumer_socket, user):
    socket = await consumer_socket(ByUsername)
    assert (await socket.request("retrieve", name="alice"))["data"]["id"] == user.pk
    assert (await socket.request("retrieve", pk=user.pk))["errors"] == [{"name": ["This argument is required."]}]


class OwnUserOnly(UserConsumer):
    def get_queryset(self, **kwargs):
        return User.objects.filter(pk=self.scope["user"].pk)


async def test_get_queryset_override_limits_retrieve(consumer_socket, user, other_user):
    socket = await consumer_socket(OwnUserOnly, user=user)
    assert (await socket.request("retrieve", pk=user.pk))["response_status"] == 200
    assert (await socket.request("retrieve", pk=other_user.pk))["response_status"] == 404


class IsSelf(BasePermission):
    def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return obj == scope["user"]


class SelfConsumer(UserConsumer):
    permission_classes = [IsAuthenticated & IsSelf]

    @action()
    def rename(self, pk, username):
        user = self.get_object(pk=pk)
        user.username = username
        user.save()
        return username, 200


async def test_object_permission_denies_other_objects(consumer_socket, user, other_user):
    socket = await consumer_socket(SelfConsumer, user=user)
    assert (await socket.request("retrieve", pk=user.pk))["response_status"] == 200
    denied = await socket.request("retrieve", pk=other_user.pk)
    assert denied["response_status"] == 403
    assert denied["errors"] == ["You do not have permission to perform this action."]


async def test_object_permission_guards_get_object_in_custom_actions(consumer_socket, user, other_user):
    socket = await consumer_socket(SelfConsumer, user=user)
    assert (await socket.request("rename", pk=other_user.pk, username="mallory"))["response_status"] == 403
    assert (await socket.request("rename", pk=user.pk, username="alicia"))["data"] == "alicia"
    assert await database_sync_to_async(lambda: User.objects.get(pk=other_user.pk).username)() == "bob"


class ContextSerializer(serializers.Serializer):
    user = serializers.SerializerMethodField()
    path = serializers.SerializerMethodField()
    query = serializers.SerializerMethodField()
    has_scope = serializers.SerializerMethodField()

    def get_user(self, obj):
        return self.context["request"].user.get_username() or None

    def get_path(self, obj):
        return self.context["request"].path

    def get_query(self, obj):
        return self.context["request"].query_params.dict()

    def get_has_scope(self, obj):
        return self.context["scope"] is self.context["consumer"].scope


class ContextConsumer(GenericAsyncAPIConsumer):
    @action()
    def describe(self, **kwargs):
        return self.get_serializer(instance=object(), action_kwargs=kwargs).data, 200

    def get_serializer_class(self, **kwargs):
        return ContextSerializer


async def test_serializer_context_has_a_request_from_the_scope(consumer_socket, user):
    socket = await consumer_socket(ContextConsumer, user=user, path="/ws/context/?colour=red")
    reply = await socket.request("describe")
    assert reply["data"] == {"user": "alice", "path": "/ws/context/", "query": {"colour": "red"}, "has_scope": True}


async def test_serializer_context_request_is_anonymous_without_login(consumer_socket):
    socket = await consumer_socket(ContextConsumer)
    assert (await socket.request("describe"))["data"]["user"] is None


def test_get_serializer_without_action_kwargs():
    consumer = UserConsumer()
    consumer.scope = {"type": "websocket", "path": "/ws/"}
    serializer = consumer.get_serializer(data={"username": "erin"})
    assert serializer.is_valid()
    assert serializer.context["request"].user.is_anonymous


class ActionAwareObjects(BasePermission):
    seen = []

    def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        self.seen.append(action)
        return action != "rename" or obj == scope["user"]


class ActionAwareConsumer(SelfConsumer):
    permission_classes = [ActionAwareObjects]


async def test_object_permission_knows_the_action_of_custom_actions(consumer_socket, user, other_user):
    ActionAwareObjects.seen = []
    socket = await consumer_socket(ActionAwareConsumer, user=user)
    assert (await socket.request("retrieve", pk=other_user.pk))["response_status"] == 200
    assert (await socket.request("rename", pk=other_user.pk, username="x"))["response_status"] == 403
    assert ActionAwareObjects.seen == ["retrieve", "rename"]


class DRFIsSelf(drf_permissions.BasePermission):
    def has_object_permission(self, request, view, obj):
        return obj == request.user


class DRFSelfConsumer(UserConsumer):
    permission_classes = [drf_permissions.IsAuthenticated & DRFIsSelf]


async def test_drf_object_permissions_are_honoured(consumer_socket, user, other_user):
    socket = await consumer_socket(DRFSelfConsumer, user=user)
    assert (await socket.request("retrieve", pk=user.pk))["response_status"] == 200
    assert (await socket.request("retrieve", pk=other_user.pk))["response_status"] == 403


class DeliveryConsumer(UserConsumer):
    """Checks objects on the event loop, as an observer does before delivering them."""

    permission_classes = [IsSelf]

    @action()
    async def deliver(self, pk, **kwargs):
        obj = await database_sync_to_async(User.objects.get)(pk=pk)
        await self.check_object_permissions("update", obj)
        return obj.username, 200


async def test_check_object_permissions_on_the_event_loop(consumer_socket, user, other_user):
    socket = await consumer_socket(DeliveryConsumer, user=user)
    assert (await socket.request("deliver", pk=user.pk))["data"] == "alice"
    assert (await socket.request("deliver", pk=other_user.pk))["response_status"] == 403


class PerActionPermissions(UserConsumer):
    async def get_permissions(self, action, **kwargs):
        if action == "create":
            return [IsAuthenticated()]
        return await super().get_permissions(action, **kwargs)


async def test_get_permissions_per_action(consumer_socket, user):
    socket = await consumer_socket(PerActionPermissions)
    assert (await socket.request("retrieve", pk=user.pk))["response_status"] == 200
    assert (await socket.request("create", data={"username": "eve"}))["response_status"] == 403


class EditableUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["email"].read_only = True
        return fields


class UserUpdateConsumer(UpdateModelMixin, UserConsumer):
    pass


class EditableUserConsumer(UserUpdateConsumer):
    serializer_class = EditableUserSerializer


async def test_unique_fields_exclude_the_object_being_updated_on_every_update(consumer_socket, user, other_user):
    socket = await consumer_socket(UserUpdateConsumer)
    for target in (user, other_user):
        data = {"username": target.username, "email": f"{target.username}@example.org"}
        own = await socket.request("update", pk=target.pk, data=data)
        assert own["response_status"] == 200
    data = {"username": other_user.username, "email": "a@example.org"}
    taken = await socket.request("update", pk=user.pk, data=data)
    assert taken["response_status"] == 400
    assert "username" in taken["errors"][0]


async def test_get_fields_depending_on_the_instance_is_honoured(consumer_socket, user):
    socket = await consumer_socket(EditableUserConsumer)
    created = await socket.request("create", data={"username": "dave", "email": "dave@example.com"})
    assert created["data"]["email"] == "dave@example.com"
    updated = await socket.request("update", pk=user.pk, data={"username": "alice", "email": "new@example.com"})
    assert updated["data"]["email"] == "alice@example.com"


def test_serializers_of_one_connection_have_fields_of_their_own(user, other_user):
    consumer = UserConsumer()
    consumer.scope = {"type": "websocket", "path": "/ws/"}
    first, second = consumer.get_serializer(instance=user), consumer.get_serializer(instance=other_user)
    first.fields["username"].validators.append(lambda value: None)
    assert first.fields["username"] is not second.fields["username"]
    assert first.fields["username"].parent is first
    assert len(second.fields["username"].validators) == len(first.fields["username"].validators) - 1
    assert (first.data["username"], second.data["username"]) == (user.username, other_user.username)


class SelfAwareUserSerializer(serializers.ModelSerializer):
    is_the_instance = serializers.SerializerMethodField()
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "is_the_instance", "viewer"]

    def get_is_the_instance(self, obj):
        return obj is self.instance

    def get_viewer(self, obj):
        return self.context["request"].user.username


class SelfAwareUserConsumer(UserConsumer):
    serializer_class = SelfAwareUserSerializer


async def test_method_fields_see_their_own_serializer_on_every_retrieve(consumer_socket, user, other_user):
    socket = await consumer_socket(SelfAwareUserConsumer, user=user)
    for target in (user, other_user, user):
        reply = await socket.request("retrieve", pk=target.pk)
        expected = {"id": target.pk, "username": target.username, "is_the_instance": True, "viewer": "alice"}
        assert reply["data"] == expected
