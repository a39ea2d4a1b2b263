import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework import permissions as drf_permissions

from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.permissions import (
    AND,
    NOT,
    OR,
    AllowAny,
    BasePermission,
    IsAuthenticated,
    WrappedDRFPermission,
    as_permission,
)

pytestmark = pytest.mark.django_db(transaction=True)


class Allow(BasePermission):
    async def has_permission(self, scope, consumer, action, **kwargs):
        return True


class Deny(BasePermission):
    def has_permission(self, scope, consumer, action, **kwargs):
        return False


class OddObjects(BasePermission):
    def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return obj % 2 == 1


class EvenObjectsAsync(BasePermission):
    async def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return obj % 2 == 0


class DRFAllow(drf_permissions.BasePermission):
    pass


class DRFDeny(drf_permissions.BasePermission):
    def has_permission(self, request, view):
        return False


SCOPE = {"type": "websocket", "path": "/ws/", "headers": [], "user": AnonymousUser()}


async def allows(permission_class, action="echo"):
    return await as_permission(permission_class).has_permission(scope=SCOPE, consumer=None, action=action)


async def allows_object(permission_class, obj):
    permission = as_permission(permission_class)
    return await permission.has_object_permission(scope=SCOPE, consumer=None, action="retrieve", obj=obj)


@pytest.mark.parametrize(
    "composition, expected",
    [
        (Allow & Allow, True),
        (Allow & Deny, False),
        (Deny | Allow, True),
        (Deny | Deny, False),
        (~Deny, True),
        (~Allow, False),
        (~(Deny | Deny) & Allow, True),
        (Allow & DRFDeny, False),
        (DRFDeny & Allow, False),
        (DRFDeny | Allow, True),
        (Allow | DRFDeny, True),
        (DRFAllow | DRFDeny, True),
        (DRFAllow & DRFDeny, False),
        (~DRFDeny, True),
        ((DRFDeny | DRFDeny) | Allow, True),
        ((DRFDeny | DRFAllow) & Deny, False),
        (DRFAllow, True),
        (DRFDeny, False),
        (AllowAny, True),
    ],
)
async def test_composition_across_both_kinds(composition, expected):
    assert await allows(composition) is expected


def test_compositions_build_our_operators():
    assert isinstance(as_permission(Allow & Deny), AND)
    assert isinstance(as_permission(DRFDeny | Allow), OR)
    assert isinstance(as_permission(DRFAllow | DRFDeny), OR)
    assert isinstance(as_permission(~DRFDeny), NOT)
    assert isinstance(as_permission(DRFAllow), WrappedDRFPermission)
    assert isinstance(as_permission(DRFAllow()), WrappedDRFPermission)


async def test_sync_and_async_methods_are_both_awaitable():
    assert await allows(Deny) is False
    assert await allows_object(OddObjects, 3) is True
    assert await allows_object(EvenObjectsAsync, 3) is False


async def test_base_permission_allows_by_default():
    permission = BasePermission()
    assert await permission.has_permission(scope=SCOPE, consumer=None, action="x") is True
    assert await permission.can_connect(scope=SCOPE, consumer=None) is True
    assert await permission.has_object_permission(scope=SCOPE, consumer=None, action="x", obj=1) is True
    assert not permission.checks_objects


@pytest.mark.parametrize(
    "composition, obj, expected",
    [
        (OddObjects, 1, True),
        (OddObjects, 2, False),
        (OddObjects & EvenObjectsAsync, 2, False),
        (OddObjects | EvenObjectsAsync, 2, True),
        (~OddObjects, 2, True),
        (~OddObjects, 1, False),
        # OR counts an operand's object answer only when that operand allows the action.
        (Deny | OddObjects, 1, True),
        (Deny | OddObjects, 2, False),
        (Deny | AllowAny, 2, True),
        # NOT of a permission that has no opinion about objects does not deny them.
        (~Deny, 2, True),
    ],
)
async def test_object_permission_composition(composition, obj, expected):
    assert await allows_object(composition, obj) is expected


def test_checks_objects_is_known_per_permission():
    assert not as_permission(AllowAny).checks_objects
    assert not as_permission(IsAuthenticated & Allow).checks_objects
    assert as_permission(IsAuthenticated & OddObjects).checks_objects
    assert not as_permission(DRFAllow).checks_objects
    assert as_permission(drf_permissions.IsAuthenticatedOrReadOnly | OddObjects).checks_objects


class RecordingDRFPermission(drf_permissions.BasePermission):
    seen = []

    def has_permission(self, request, view):
        self.seen.append((request.method, request.user.get_username(), request.META.get("HTTP_X_TOKEN"), view))
        return True


class DRFGuardedConsumer(AsyncAPIConsumer):
    permission_classes = [RecordingDRFPermission]

    @action()
    async def create(self, **kwargs):
        return "created", 201

    @action()
    async def update(self, **kwargs):
        return "updated", 200

    @action()
    async def list(self, **kwargs):
        return [], 200

    @action()
    async def retrieve(self, **kwargs):
        return {}, 200

    @action()
    async def shout(self, **kwargs):
        return "!", 200


async def test_drf_permissions_see_a_request_with_a_method_per_action(consumer_socket, user):
    RecordingDRFPermission.seen = []
    socket = await consumer_socket(DRFGuardedConsumer, user=user, headers=[(b"x-token", b"abc")])
    for name in ["create", "update", "list", "retrieve", "shout"]:
        assert (await socket.request(name))["response_status"] in (200, 201)
    methods = [method for method, *_ in RecordingDRFPermission.seen]
    assert methods == ["HEAD", "POST", "PUT", "GET", "GET", "SHOUT"]
    assert {(username, token) for _, username, token, _ in RecordingDRFPermission.seen} == {("alice", "abc")}
    assert all(isinstance(view, DRFGuardedConsumer) for *_, view in RecordingDRFPermission.seen)


class DRFMembersConsumer(DRFGuardedConsumer):
    permission_classes = [drf_permissions.IsAuthenticated]


async def test_drf_permissions_gate_the_handshake(consumer_socket, user):
    assert not (await consumer_socket(DRFMembersConsumer)).accepted
    assert (await consumer_socket(DRFMembersConsumer, user=user)).accepted


class ReadOnlyForAnonymous(DRFGuardedConsumer):
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]


async def test_drf_safe_methods_follow_the_action_mapping(consumer_socket):
    socket = await consumer_socket(ReadOnlyForAnonymous)
    assert (await socket.request("list"))["response_status"] == 200
    assert (await socket.request("create"))["response_status"] == 403


class CountingPermission(BasePermission):
    instances = 0

    def __init__(self):
        type(self).instances += 1

    async def has_permission(self, scope, consumer, action, **kwargs):
        return True


class CountingConsumer(DRFGuardedConsumer):
    permission_classes = [CountingPermission]


async def test_permissions_are_instantiated_once_per_connection(consumer_socket):
    CountingPermission.instances = 0
    socket = await consumer_socket(CountingConsumer)
    for _ in range(3):
        await socket.request("list")
    assert CountingPermission.instances == 1


class ArgumentsSeen(BasePermission):
    seen = []

    async def has_permission(self, scope, consumer, action, **kwargs):
        self.seen.append((action, kwargs))
        return kwargs.get("secret") != "forbidden"


class ArgumentsConsumer(DRFGuardedConsumer):
    permission_classes = [ArgumentsSeen]


async def test_has_permission_receives_the_action_and_its_arguments(consumer_socket):
    ArgumentsSeen.seen = []
    socket = await consumer_socket(ArgumentsConsumer)
    assert (await socket.request("shout", secret="forbidden"))["response_status"] == 403
    assert (await socket.request("shout", secret="fine"))["response_status"] == 200
    assert ArgumentsSeen.seen == [("shout", {"secret": "forbidden"}), ("shout", {"secret": "fine"})]


class FailingConnect(BasePermission):
    async def can_connect(self, scope, consumer, message=None):
        raise RuntimeError("broken permission")


class FailingConnectConsumer(DRFGuardedConsumer):
    permission_classes = [FailingConnect]


async def test_a_failing_connect_check_rejects_the_handshake(consumer_socket, caplog):
    assert not (await consumer_socket(FailingConnectConsumer)).accepted
    assert "broken permission" in caplog.text


class UsesSuper(OddObjects):
    async def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return obj > 10 and await super().has_object_permission(scope, consumer, action, obj, **kwargs)


class UsesSyncParent(OddObjects):
    """A sync override reaches its parent's sync method through ``__wrapped__``."""

    def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return obj > 10 and OddObjects.has_object_permission.__wrapped__(self, scope, consumer, action, obj, **kwargs)


async def test_subclass_of_a_sync_permission(consumer_socket):
    assert await allows_object(UsesSuper, 11) is True
    assert await allows_object(UsesSuper, 12) is False
    assert await allows_object(UsesSuper, 3) is False
    assert [await allows_object(UsesSyncParent, obj) for obj in (11, 12, 3)] == [True, False, False]
