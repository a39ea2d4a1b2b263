import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from {{ cookiecutter.project_slug }}.channels_rest import permissions
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.mixins import PaginatedModelListMixin
from {{ cookiecutter.project_slug }}.channels_rest.pagination import WebsocketLimitOffsetPagination
from {{ cookiecutter.project_slug }}.channels_rest.permissions import AllowAny, IsAuthenticated
from {{ cookiecutter.project_slug }}.channels_rest.settings import api_settings, reload_api_settings

from .serializers import UserSerializer

PERMISSIONS = "{{ cookiecutter.project_slug }}.channels_rest.permissions"
PAGINATION = "{{ cookiecutter.project_slug }}.channels_rest.pagination"


class DefaultConsumer(AsyncAPIConsumer):
    """Defined before any override: it must still follow the settings."""

    @action()
    async def ping(self, **kwargs):
        return "pong", 200


class UserList(PaginatedModelListMixin, GenericAsyncAPIConsumer):
    queryset = get_user_model().objects.order_by("pk")
    serializer_class = UserSerializer


def test_defaults_apply_without_the_setting():
    with override_settings(DJANGO_CHANNELS_REST_API={}):
        assert list(api_settings.DEFAULT_PERMISSION_CLASSES) == [AllowAny]
        assert api_settings.DEFAULT_PAGINATION_CLASS is None
        assert api_settings.PAGE_SIZE is None


def test_dotted_paths_are_imported():
    with override_settings(
        DJANGO_CHANNELS_REST_API={
            "DEFAULT_PERMISSION_CLASSES": [f"{PERMISSIONS}.IsAuthenticated"],
            "DEFAULT_PAGINATION_CLASS": f"{PAGINATION}.WebsocketLimitOffsetPagination",
        }
    ):
        assert DefaultConsumer.permission_classes == [IsAuthenticated]
        assert UserList.pagination_class is WebsocketLimitOffsetPagination


def test_settings_are_read_at_every_access():
    with override_settings(DJANGO_CHANNELS_REST_API={"PAGE_SIZE": 3}):
        assert api_settings.PAGE_SIZE == 3
    with override_settings(DJANGO_CHANNELS_REST_API={"PAGE_SIZE": 9}):
        assert api_settings.PAGE_SIZE == 9


def test_reload_api_settings_imports_dotted_paths_again(monkeypatch):
    authenticated = {"DEFAULT_PERMISSION_CLASSES": [f"{PERMISSIONS}.IsAuthenticated"]}
    with override_settings(DJANGO_CHANNELS_REST_API=authenticated):
        assert list(api_settings.DEFAULT_PERMISSION_CLASSES) == [IsAuthenticated]
        monkeypatch.setattr(permissions, "IsAuthenticated", AllowAny)
        assert list(api_settings.DEFAULT_PERMISSION_CLASSES) == [IsAuthenticated]
        reload_api_settings(setting="DJANGO_CHANNELS_REST_API")
        assert list(api_settings.DEFAULT_PERMISSION_CLASSES) == [AllowAny]


def test_unknown_setting_is_an_error():
    with pytest.raises(AttributeError, match="DEFAULT_PAGE_SIZES"):
        api_settings.DEFAULT_PAGE_SIZES  # noqa: B018


def test_class_attribute_overrides_the_setting():
    class Members(DefaultConsumer):
        permission_classes = [IsAuthenticated]

    with override_settings(DJANGO_CHANNELS_REST_API={"DEFAULT_PERMISSION_CLASSES": [f"{PERMISSIONS}.AllowAny"]}):
        assert Members.permission_classes == [IsAuthenticated]


@pytest.mark.django_db(transaction=True)
async def test_override_settings_reaches_existing_consumers(consumer_socket, user):
    with override_settings(
        DJANGO_CHANNELS_REST_API={"DEFAULT_PERMISSION_CLASSES": [f"{PERMISSIONS}.IsAuthenticated"]}
    ):
        anonymous = await consumer_socket(DefaultConsumer)
        assert (await anonymous.request("ping"))["response_status"] == 403
        member = await consumer_socket(DefaultConsumer, user=user)
        assert (await member.request("ping"))["response_status"] == 200
    fresh = await consumer_socket(DefaultConsumer)
    assert (await fresh.request("ping"))["response_status"] == 200


@pytest.mark.django_db(transaction=True)
async def test_pagination_settings_reach_existing_list_consumers(consumer_socket, user, other_user, staff_user):
    paginated = {"DEFAULT_PAGINATION_CLASS": f"{PAGINATION}.WebsocketLimitOffsetPagination", "PAGE_SIZE": 2}
    with override_settings(DJANGO_CHANNELS_REST_API=paginated):
        socket = await consumer_socket(UserList)
        reply = await socket.request("list")
    assert reply["data"]["count"] == 3
    assert [item["username"] for item in reply["data"]["results"]] == ["alice", "bob"]
    with override_settings(DJANGO_CHANNELS_REST_API={}):
        socket = await consumer_socket(UserList)
        assert len((await socket.request("list"))["data"]) == 3
