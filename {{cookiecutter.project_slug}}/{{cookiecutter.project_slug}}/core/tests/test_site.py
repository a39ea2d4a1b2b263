import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_renders(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Django and Channels" in response.content


def test_health_reports_database(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


async def test_ping_answers_anonymous(connect):
    socket = await connect("/ws/ping/")
    assert socket.accepted
    await socket.send_json_to({"hello": "world"})
    assert await socket.receive_json_from() == {"type": "pong", "echo": {"hello": "world"}, "user": None}


async def test_ping_sees_the_logged_in_user(connect, user):
    socket = await connect("/ws/ping/", user=user)
    await socket.send_json_to({})
    assert (await socket.receive_json_from())["user"] == "alice"


async def test_malformed_frame_gets_an_error_and_socket_stays_open(connect):
    socket = await connect("/ws/ping/")
    await socket.send_to(text_data="not json")
    assert await socket.receive_json_from() == {"type": "error", "detail": "Malformed JSON."}
    await socket.send_json_to({"again": True})
    assert (await socket.receive_json_from())["type"] == "pong"


async def test_foreign_origin_is_rejected(connect):
    socket = await connect("/ws/ping/", origin="http://evil.example")
    assert not socket.accepted


async def test_unknown_route_is_rejected(connect):
    with pytest.raises(ValueError, match="No route found"):
        await connect("/ws/nowhere/")
