import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signup_creates_a_user_and_logs_in(client):
    response = client.post(
        reverse("users:signup"),
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="dora")
    assert user.check_password("correct horse battery staple")
    assert client.get(reverse("home")).context["user"] == user


def test_login_and_logout(client, user):
    response = client.post(reverse("users:login"), {"username": "alice", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user
    client.post(reverse("users:logout"))
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_admin_lists_users(admin_client, user):
    response = admin_client.get(reverse("admin:users_user_changelist"))
    assert response.status_code == 200
    assert b"alice" in response.content
