import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from {{ cookiecutter.project_slug }}.channels_rest.pagination import FALLBACK_PAGE_SIZE, WebsocketLimitOffsetPagination

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def users():
    User.objects.bulk_create(User(username=f"user{number:02}") for number in range(30))
    return User.objects.order_by("username")


def page(queryset, paginator=None, **kwargs):
    paginator = paginator or WebsocketLimitOffsetPagination()
    results = paginator.paginate_queryset(queryset, scope={}, **kwargs)
    return paginator.get_paginated_response([user.username for user in results])


def test_limit_and_offset_come_from_the_arguments(users):
    assert page(users, limit=3, offset=4) == {
        "count": 30,
        "results": ["user04", "user05", "user06"],
        "limit": 3,
        "offset": 4,
    }


def test_numeric_strings_are_accepted(users):
    assert page(users, limit="2", offset="28")["results"] == ["user28", "user29"]


@pytest.mark.parametrize("limit", [0, -1, "many", None, [3]])
def test_invalid_limit_falls_back_to_the_page_size(users, limit):
    with override_settings(DJANGO_CHANNELS_REST_API={"PAGE_SIZE": 7}):
        assert page(users, limit=limit)["limit"] == 7


@pytest.mark.parametrize("offset", [-5, "far", None])
def test_invalid_offset_falls_back_to_zero(users, offset):
    assert page(users, limit=1, offset=offset)["offset"] == 0


def test_page_size_setting_is_read_lazily(users):
    paginator = WebsocketLimitOffsetPagination()
    with override_settings(DJANGO_CHANNELS_REST_API={"PAGE_SIZE": 4}):
        assert len(page(users, paginator)["results"]) == 4
    with override_settings(DJANGO_CHANNELS_REST_API={"PAGE_SIZE": 6}):
        assert len(page(users, paginator)["results"]) == 6


def test_without_page_size_a_sane_default_applies(users):
    with override_settings(DJANGO_CHANNELS_REST_API={}):
        result = page(users)
    assert result["limit"] == FALLBACK_PAGE_SIZE
    assert len(result["results"]) == FALLBACK_PAGE_SIZE


def test_max_limit_caps_the_limit(users):
    class Capped(WebsocketLimitOffsetPagination):
        max_limit = 5

    assert page(users, Capped(), limit=50)["limit"] == 5


def test_subclass_default_limit(users):
    class Small(WebsocketLimitOffsetPagination):
        default_limit = 2

    assert page(users, Small())["results"] == ["user00", "user01"]


def test_offset_past_the_end_is_an_empty_page(users):
    assert page(users, limit=5, offset=100) == {"count": 30, "results": [], "limit": 5, "offset": 100}
