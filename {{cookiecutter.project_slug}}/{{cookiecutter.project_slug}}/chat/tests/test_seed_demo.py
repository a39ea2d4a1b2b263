import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from ..models import Message, Room

pytestmark = pytest.mark.django_db


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seeds_two_users_a_room_and_messages_once(settings):
    settings.DEBUG = True
    first = seed()
    second = seed()
    assert first == second  # the same passwords every time: re-seeding logs nobody out
    assert (Room.objects.get().name, Message.objects.count()) == ("lobby", 3)
    passwords = dict(re.findall(r"username (\w+)\s+password (\S+)", first))
    assert sorted(passwords) == ["ada", "grace"]
    for username, password in passwords.items():
        assert authenticate(username=username, password=password).username == username


def test_refuses_to_print_passwords_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not Room.objects.exists()
