import pytest
from asgiref.sync import iscoroutinefunction
from django.contrib.auth.models import AnonymousUser

from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.scope_utils import (
    api_request_from_scope,
    ensure_async,
    request_from_scope,
)

SCOPE = {
    "type": "websocket",
    "scheme": "wss",
    "path": "/ws/things/",
    "query_string": b"colour=red&colour=blue&size=2",
    "headers": [
        (b"host", b"localhost"),
        (b"authorization", b"Token abc"),
        (b"content-type", b"application/json"),
        (b"x-forwarded-for", b"10.0.0.1"),
        (b"cookie", b"theme=dark; lang=fr"),
    ],
    "client": ("127.0.0.1", 5000),
    "server": ("localhost", 443),
}


def test_request_from_scope_uses_standard_meta_names():
    request = request_from_scope(SCOPE)
    assert request.META["HTTP_AUTHORIZATION"] == "Token abc"
    assert request.META["CONTENT_TYPE"] == "application/json"
    assert request.META["HTTP_X_FORWARDED_FOR"] == "10.0.0.1"
    assert request.META["REMOTE_ADDR"] == "127.0.0.1"
    assert request.headers["Authorization"] == "Token abc"


def test_request_from_scope_path_query_and_cookies():
    request = request_from_scope(SCOPE)
    assert request.path == "/ws/things/"
    assert request.GET.getlist("colour") == ["red", "blue"]
    assert request.GET["size"] == "2"
    assert request.COOKIES == {"theme": "dark", "lang": "fr"}
    assert request.method == "GET"
    assert request_from_scope(SCOPE, method="PATCH").method == "PATCH"


def test_secure_websocket_is_a_secure_request():
    request = request_from_scope(SCOPE)
    assert request.is_secure()
    assert request.build_absolute_uri("/api/") == "https://localhost/api/"
    assert request_from_scope({**SCOPE, "scheme": "ws"}).build_absolute_uri("/") == "http://localhost/"


def test_missing_user_is_an_anonymous_user_instance():
    request = request_from_scope(SCOPE)
    assert isinstance(request.user, AnonymousUser)
    assert request.user.is_anonymous


def test_drf_request_keeps_the_scope_user_without_authenticating_again():
    user = object()
    request = api_request_from_scope({**SCOPE, "user": user})
    assert request.user is user
    assert request.auth is None
    assert request.user is user
    assert request.query_params["size"] == "2"


class SessionConsumer(AsyncAPIConsumer):
    @action()
    def whoami(self, **kwargs):
        request = request_from_scope(self.scope)
        return {"user": request.user.get_username(), "session_user": request.session.get("_auth_user_id")}, 200


@pytest.mark.django_db(transaction=True)
async def test_session_and_user_come_from_the_real_auth_stack(consumer_socket, user):
    socket = await consumer_socket(SessionConsumer, user=user)
    reply = await socket.request("whoami")
    assert reply["data"] == {"user": "alice", "session_user": str(user.pk)}


async def test_ensure_async_keeps_coroutine_functions_and_wraps_sync_ones():
    async def coroutine_function():
        return "async"

    def function():
        return "sync"

    assert ensure_async(coroutine_function) is coroutine_function
    wrapped = ensure_async(function)
    assert iscoroutinefunction(wrapped)
    assert await wrapped() == "sync"
