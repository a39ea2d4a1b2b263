import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from {{ cookiecutter.project_slug }}.apigw.hashing import session_key_hash, token_hash
from {{ cookiecutter.project_slug }}.apigw.models import WebSocketToken
from {{ cookiecutter.project_slug }}.apigw.tokens import TokenError, consume_token, issue_token
from {{ cookiecutter.project_slug }}.apigw.views import websocket_token

pytestmark = pytest.mark.django_db

URL = reverse("websocket_token")


def session_key(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_in_user_gets_a_token_bound_to_the_session(signed_in, user):
    response = signed_in.post(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_in"}
    assert body["expires_in"] == settings.APIGW_TOKEN_TTL
    assert consume_token(body["token"], session_key(signed_in)) == user


def test_only_hashes_are_stored(signed_in):
    token = signed_in.post(URL).json()["token"]
    row = WebSocketToken.objects.get()
    assert row.token_hash == token_hash(token) != token
    assert row.session_key_hash == session_key_hash(session_key(signed_in)) != session_key(signed_in)
    stored = [str(value) for value in WebSocketToken.objects.values_list().get()]
    assert not any(token in value or session_key(signed_in) in value for value in stored)


def test_anonymous_gets_a_json_403_not_a_redirect():
    response = Client().post(URL)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "Sign in" in response.json()["detail"]
    assert not WebSocketToken.objects.exists()


def test_get_is_refused(signed_in):
    assert signed_in.get(URL).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(URL).status_code == 403
    assert not WebSocketToken.objects.exists()


def test_a_post_with_the_csrf_token_is_served(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("apigw_dashboard"))
    response = client.post(URL, headers={"X-CSRFToken": client.cookies[settings.CSRF_COOKIE_NAME].value})
    assert response.status_code == 200


@override_settings(APIGW_TOKENS_PER_MINUTE=3)
def test_tokens_are_rate_limited_per_user(signed_in, other_user):
    assert [signed_in.post(URL).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = signed_in.post(URL)
    assert "at most 3 a minute" in refused.json()["detail"]
    assert refused["Retry-After"] == "60"
    other = Client()
    other.force_login(other_user)
    assert other.post(URL).status_code == 200
    WebSocketToken.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert signed_in.post(URL).status_code == 200


def test_a_token_works_once(signed_in, user):
    token = signed_in.post(URL).json()["token"]
    assert consume_token(token, session_key(signed_in)) == user
    with pytest.raises(TokenError) as refused:
        consume_token(token, session_key(signed_in))
    assert refused.value.reason == TokenError.USED


def test_an_expired_token_is_refused(user):
    token, _ = issue_token(user, "session-1")
    WebSocketToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(TokenError) as refused:
        consume_token(token, "session-1")
    assert refused.value.reason == TokenError.EXPIRED
    assert WebSocketToken.objects.get().used_at is None


def test_a_token_from_another_session_is_refused_and_stays_unused(user):
    token, _ = issue_token(user, "session-1")
    with pytest.raises(TokenError) as refused:
        consume_token(token, "session-2")
    assert refused.value.reason == TokenError.SESSION_MISMATCH
    assert consume_token(token, "session-1") == user


@pytest.mark.parametrize("token", ["", "not-a-token", None])
def test_an_unknown_token_is_refused(user, token):
    issue_token(user, "session-1")
    with pytest.raises(TokenError) as refused:
        consume_token(token, "session-1")
    assert refused.value.reason == TokenError.UNKNOWN
    assert "refused: unknown" in str(refused.value)


def test_an_inactive_users_token_is_refused(user):
    token, _ = issue_token(user, "session-1")
    user.is_active = False
    user.save()
    with pytest.raises(TokenError) as refused:
        consume_token(token, "session-1")
    assert refused.value.reason == TokenError.INACTIVE_USER


def test_issuing_deletes_the_users_dead_tokens_only(user, other_user):
    issue_token(user, "session-1")
    others, _ = issue_token(other_user, "session-2")
    WebSocketToken.objects.update(
        created_at=timezone.now() - timedelta(seconds=120), expires_at=timezone.now() - timedelta(seconds=60)
    )
    fresh, _ = issue_token(user, "session-1")
    assert set(WebSocketToken.objects.values_list("token_hash", flat=True)) == {token_hash(others), token_hash(fresh)}


def test_a_token_needs_a_session(user):
    with pytest.raises(ValueError, match="session_key is empty"):
        issue_token(user, "")


def test_the_view_creates_a_session_when_there_is_none(user, rf):
    request = rf.post(URL)
    request.user = user
    request.session = SessionStore()
    request._dont_enforce_csrf_checks = True
    response = websocket_token(request)
    assert response.status_code == 200
    assert request.session.session_key
    assert WebSocketToken.objects.get().session_key_hash == session_key_hash(request.session.session_key)


@pytest.mark.django_db(transaction=True)
def test_racing_consumers_spend_a_token_once(user):
    token, _ = issue_token(user, "session-1")
    barrier = threading.Barrier(4)
    outcomes = []

    def spend():
        barrier.wait()
        try:
            outcomes.append(consume_token(token, "session-1").pk)
        except TokenError as error:
            outcomes.append(error.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == sorted([str(user.pk)] + [TokenError.USED] * 3)
