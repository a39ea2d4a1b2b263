import pytest
from django.test import Client
from django.urls import reverse

from ..models import Presence, Room

pytestmark = pytest.mark.django_db


def test_pages_require_logging_in(client, room):
    for url in (reverse("chat:index"), reverse("chat:room", args=[room.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('users:login')}?next={url}"


def test_index_lists_rooms_with_who_is_there(client, user, other_user, room):
    Room.objects.create(name="garden", host=other_user)
    Presence.objects.create(room=room, user=user, channel_name="tab 1")
    Presence.objects.create(room=room, user=user, channel_name="tab 2")
    Presence.objects.create(room=room, user=other_user, channel_name="tab 3")
    client.force_login(user)
    response = client.get(reverse("chat:index"))
    assert response.status_code == 200
    assert [(room.name, room.present_count) for room in response.context["rooms"]] == [("garden", 0), ("lobby", 2)]
    assert b"hosted by alice" in response.content


def test_a_new_name_creates_the_room(client, user):
    client.force_login(user)
    response = client.post(reverse("chat:index"), {"name": "  garden  "})
    room = Room.objects.get()
    assert (room.name, room.host) == ("garden", user)
    assert response.status_code == 302
    assert response.url == reverse("chat:room", args=[room.pk])


def test_an_existing_name_enters_the_room(client, other_user, room):
    client.force_login(other_user)
    response = client.post(reverse("chat:index"), {"name": "lobby"})
    assert response.url == reverse("chat:room", args=[room.pk])
    assert Room.objects.get().host.username == "alice"  # bob entered alice's room, nothing was created


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_a_bad_name_shows_the_form_again(client, user, name):
    client.force_login(user)
    response = client.post(reverse("chat:index"), {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert b'class="errorlist' in response.content
    assert not Room.objects.exists()


def test_the_form_is_protected_against_cross_site_posts(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("chat:index"), {"name": "garden"}).status_code == 403
    page = client.get(reverse("chat:index"))
    token = page.context["csrf_token"]
    assert client.post(reverse("chat:index"), {"name": "garden", "csrfmiddlewaretoken": token}).status_code == 302


def test_room_page_loads_the_chat_script(client, user, room):
    client.force_login(user)
    response = client.get(reverse("chat:room", args=[room.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-room="{room.pk}"' in content
    assert 'data-socket-path="/ws/chat/room/"' in content
    assert '<script type="module" src="/static/chat/room.js"></script>' in content
    assert client.get("/static/chat/room.js").status_code == 200


def test_unknown_room_is_404(client, user):
    client.force_login(user)
    assert client.get(reverse("chat:room", args=[999])).status_code == 404


def test_room_names_are_escaped(client, user):
    room = Room.objects.create(name="<script>alert(1)</script>", host=user)
    client.force_login(user)
    content = client.get(reverse("chat:room", args=[room.pk])).content
    assert b"<script>alert(1)" not in content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_admin_shows_rooms_presences_and_messages(admin_client, user, room):
    room.messages.create(user=user, text="hello admin")
    Presence.objects.create(room=room, user=user, channel_name="tab 1")
    assert b"lobby" in admin_client.get(reverse("admin:chat_room_changelist")).content
    change = admin_client.get(reverse("admin:chat_room_change", args=[room.pk]))
    assert change.status_code == 200
    assert b"tab 1" in change.content
    assert b"hello admin" in admin_client.get(reverse("admin:chat_message_changelist")).content
