"""The REST API at /api/users/: every action x role, and what each write leaves in the database."""

import pytest
from django.contrib.auth import get_user_model

from .cases import CASES, PASSWORD, Case, resolve
from .transports import client_for, rest_call

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_action_and_role(case: Case, accounts, target_id, id_of):
    status, body = rest_call(client_for(accounts.get(case.actor)), case.action, target_id(case), case.data)

    assert status == case.status, body
    if case.status == 400:
        assert set(body) == set(case.error_fields)
    elif case.status < 300:
        assert body == resolve(case.expected, id_of)


def test_sign_up_stores_a_hashed_password(user):
    status, body = rest_call(client_for(None), "create", data={"username": "dora", "password": PASSWORD})

    assert status == 201
    assert "password" not in body
    dora = User.objects.get(username="dora")
    assert dora.password != PASSWORD
    assert dora.check_password(PASSWORD)


def test_sign_up_with_the_two_field_form(user):
    data = {"username": "dora", "email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD}
    status, body = rest_call(client_for(None), "create", data=data)

    assert (status, sorted(body)) == (201, ["email", "id", "username"])
    assert User.objects.get(username="dora").check_password(PASSWORD)


def test_sign_up_can_be_turned_off(settings, user):
    settings.USERS_WEBSOCKET_SIGNUP = False

    assert rest_call(client_for(None), "create", data={"username": "dora", "password": PASSWORD})[0] == 403
    assert not User.objects.filter(username="dora").exists()


def test_staff_add_accounts_while_sign_up_is_off(settings, staff_user):
    settings.USERS_WEBSOCKET_SIGNUP = False

    status, _ = rest_call(client_for(staff_user), "create", data={"username": "dora", "password": PASSWORD})

    assert status == 201


def test_a_password_change_is_hashed_and_signs_the_account_out(user):
    client = client_for(user)

    status, body = rest_call(client, "patch", user.pk, {"password": "a brand new passphrase"})

    assert (status, "password" in body) == (200, False)
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")
    # As everywhere in Django, sessions opened with the old password end.
    assert rest_call(client, "retrieve", user.pk)[0] == 403


def test_privileges_cannot_be_granted_through_the_api(user):
    data = {"is_staff": True, "is_superuser": True, "is_active": False}

    status, _ = rest_call(client_for(user), "patch", user.pk, data)

    user.refresh_from_db()
    assert status == 200
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)


def test_a_user_may_keep_their_own_email_in_another_case(user):
    status, body = rest_call(client_for(user), "patch", user.pk, {"email": "ALICE@example.com"})

    assert (status, body["email"]) == (200, "ALICE@example.com")


def test_deletion_removes_the_account(user, other_user, staff_user):
    assert rest_call(client_for(staff_user), "delete", other_user.pk)[0] == 204
    assert rest_call(client_for(user), "delete", user.pk)[0] == 204

    assert list(User.objects.values_list("username", flat=True)) == ["carol"]


def test_denied_writes_change_nothing(user, other_user):
    rest_call(client_for(user), "patch", other_user.pk, {"email": "mine@example.com"})
    rest_call(client_for(user), "delete", other_user.pk)

    other_user.refresh_from_db()
    assert other_user.email == "bob@example.com"
