"""The user API over websockets: ``ws/users/`` (UserConsumer) and ``ws/users/view/`` (the REST viewset).

Both routes replay the action x role table of ``cases.py`` and agree with the REST API.
"""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.urls import reverse

from ..sockets import SIGNED_OUT_CLOSE_CODE
from .cases import CASES, INVALID, NEW_EMAIL, PASSWORD, Case, resolve, sign_up
from .transports import CONSUMER, VIEW, client_for, rest_call, ws_call, ws_outcome

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()

ENVELOPE = ["action", "data", "errors", "request_id", "response_status"]


def frame(action, data, request_id, status=200):
    """A reply frame with no errors."""
    return {"action": action, "errors": [], "data": data, "response_status": status, "request_id": request_id}


@pytest.mark.parametrize("route", [CONSUMER, VIEW])
@pytest.mark.parametrize("case", CASES, ids=str)
async def test_every_action_and_role(route, case: Case, connect, accounts, target_id, id_of):
    socket = await connect(route, user=accounts.get(case.actor))

    reply = await ws_call(socket, route, case.action, target_id(case), case.data)

    assert sorted(reply) == ENVELOPE
    assert reply["action"] == case.action
    status, body = ws_outcome(route, reply)
    assert status == case.status, reply
    if case.status == 400:
        assert set(body) == set(case.error_fields)
    elif case.status < 300:
        assert body == await database_sync_to_async(resolve)(case.expected, id_of)


# Writes that may succeed come last, deletes at the very end: a write that succeeds changes what the
# steps after it see.
READS_AND_REFUSALS = [
    ("list", None, None),
    *(("retrieve", target, None) for target in ("alice", "bob", "carol")),
    *((case.action, case.target, case.data) for case in INVALID),
    *(("patch", target, NEW_EMAIL) for target in ("alice", "bob", "carol")),
    *(("delete", target, None) for target in ("alice", "bob", "carol")),
]


@pytest.mark.parametrize("actor", [None, "alice", "carol"])
async def test_the_three_paths_agree(actor, connect, accounts):
    """REST, the consumer and the view give the same status and data to the same user.

    A write that succeeds changes the data under the next path, so it is compared through the table
    instead; here: every read, and every write that is refused (403) or invalid (400).
    """
    account = accounts.get(actor)
    client = await database_sync_to_async(client_for)(account)
    sockets = {route: await connect(route, user=account) for route in (CONSUMER, VIEW)}
    for action, target, data in READS_AND_REFUSALS:
        pk = accounts[target].pk if target else None
        rest = await database_sync_to_async(rest_call)(client, action, pk, data)
        if action == "delete" and target == actor and rest[0] < 300:
            break  # the actor's sockets close with the account
        if action in ("patch", "delete") and rest[0] < 300:
            continue
        for route, socket in sockets.items():
            status, body = ws_outcome(route, await ws_call(socket, route, action, pk, data))
            assert status == rest[0], (route, action, target)
            if status < 300 or status == 400:
                assert body == rest[1], (route, action, target)


@pytest.mark.django_db(transaction=True, reset_sequences=True)
async def test_the_documented_example_frames(connect, django_user_model):
    """The frames of the "Generic Api Consumer" and "Observer model instance" examples, sent by staff user test_1.

    Usernames use ``_`` where the example has a space: Django's username rules refuse spaces (see
    ``test_a_username_with_a_space_is_refused``).
    """

    @database_sync_to_async
    def create_example_users():
        admin = django_user_model.objects.create_user("test_1", "1@example.com", PASSWORD, is_staff=True)
        for n in (2, 3):
            django_user_model.objects.create_user(f"test_{n}", f"{n}@example.com", PASSWORD)
        return admin

    admin = await create_example_users()
    socket = await connect(CONSUMER, user=admin)
    frames = [
        (
            {"action": "list"},
            200,
            [
                {"email": "1@example.com", "id": 1, "username": "test_1"},
                {"email": "2@example.com", "id": 2, "username": "test_2"},
                {"email": "3@example.com", "id": 3, "username": "test_3"},
            ],
        ),
        ({"action": "retrieve", "pk": 2}, 200, {"email": "2@example.com", "id": 2, "username": "test_2"}),
        (
            {"action": "patch", "pk": 2, "data": {"email": "edited@example.com"}},
            200,
            {"email": "edited@example.com", "id": 2, "username": "test_2"},
        ),
        (
            {"action": "update", "pk": 2, "data": {"username": "user_2"}},
            200,
            {"email": "edited@example.com", "id": 2, "username": "user_2"},
        ),
        (
            {
                "action": "create",
                "data": {
                    "username": "new_user_4",
                    "password1": "testpassword123",
                    "password2": "testpassword123",
                    "email": "4@example.com",
                },
            },
            201,
            {"email": "4@example.com", "id": 4, "username": "new_user_4"},
        ),
        ({"action": "delete", "pk": 4}, 204, None),
    ]
    for sent, status, data in frames:
        await socket.send_json_to({**sent, "request_id": 1550050})
        assert await socket.receive_json_from() == frame(sent["action"], data, 1550050, status)

    # The "Observer model instance" example: follow test_1, rename it in the shell, then delete it. The
    # follower is another staff user's socket: test_1's own sockets close when its account is deleted.
    watcher = await database_sync_to_async(django_user_model.objects.create_user)(
        "watcher", "watcher@example.com", PASSWORD, is_staff=True
    )
    follower = await connect(CONSUMER, user=watcher)
    await follower.send_json_to({"action": "subscribe_instance", "request_id": 1550050, "pk": 1})
    assert await follower.receive_json_from() == frame("subscribe_instance", None, 1550050, status=201)
    admin.username = "edited_user_name"
    await database_sync_to_async(admin.save)()
    assert await follower.receive_json_from() == frame(
        "update", {"email": "1@example.com", "id": 1, "username": "edited_user_name"}, 1550050
    )
    await database_sync_to_async(admin.delete)()
    assert await follower.receive_json_from() == frame("delete", {"pk": 1}, 1550050, status=204)
    assert await socket.receive_output() == {"type": "websocket.close", "code": SIGNED_OUT_CLOSE_CODE}


async def test_a_username_with_a_space_is_refused(connect, staff_user, other_user):
    socket = await connect(CONSUMER, user=staff_user)

    reply = await socket.request("update", pk=other_user.pk, data={"username": "user 2"})

    assert reply["response_status"] == 400
    assert reply["errors"] == [
        {
            "username": [
                "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
            ]
        }
    ]


async def test_sign_up_over_a_websocket_stores_a_hashed_password(connect):
    socket = await connect(CONSUMER)

    reply = await socket.request("create", data={"username": "dora", "password1": PASSWORD, "password2": PASSWORD})

    assert (reply["response_status"], reply["data"]["username"]) == (201, "dora")
    assert "password" not in reply["data"]
    dora = await User.objects.aget(username="dora")
    assert dora.password != PASSWORD
    assert dora.check_password(PASSWORD)


@pytest.mark.parametrize("route", [CONSUMER, VIEW])
async def test_sign_up_can_be_turned_off(route, connect, settings):
    settings.USERS_WEBSOCKET_SIGNUP = False
    socket = await connect(route)

    reply = await ws_call(socket, route, "create", data=sign_up())

    assert reply["response_status"] == 403
    assert not await User.objects.filter(username="dora").aexists()


async def test_anonymous_sockets_connect_and_are_told_what_they_may_not_do(connect):
    socket = await connect(CONSUMER)

    assert socket.accepted
    assert await socket.request("list", request_id=7) == {
        "action": "list",
        "errors": ["You do not have permission to perform this action."],
        "data": None,
        "response_status": 403,
        "request_id": 7,
    }


async def test_bad_frames_get_an_error_and_the_socket_stays_open(connect, user):
    socket = await connect(CONSUMER, user=user)

    await socket.send_to(text_data="{not json")
    assert (await socket.receive_json_from())["response_status"] == 400
    assert (await socket.request("patch", pk=user.pk))["errors"] == [{"data": ["This argument is required."]}]
    assert (await socket.request("retrieve"))["errors"] == [{"pk": ["This argument is required."]}]
    assert (await socket.request("retrieve", pk="not-a-number"))["response_status"] == 404
    assert (await socket.request("patch", pk=user.pk, data="not an object"))["response_status"] == 400
    assert (await socket.request("fly"))["errors"] == ['Method "fly" not allowed.']
    assert (await socket.request("retrieve", pk=user.pk))["response_status"] == 200


# Live updates


async def subscribe(socket, account, request_id):
    reply = await socket.request("subscribe_instance", pk=account.pk, request_id=request_id)
    assert reply == frame("subscribe_instance", None, request_id, status=201)


async def change_over_a_socket(route, connect, account, staff_user, email):
    socket = await connect(route, user=staff_user)
    assert (await ws_call(socket, route, "patch", account.pk, {"email": email}))["response_status"] == 200


@database_sync_to_async
def change_over_rest(account, staff_user, email):
    assert rest_call(client_for(staff_user), "patch", account.pk, {"email": email})[0] == 200


@database_sync_to_async
def change_in_the_admin(admin_client, account, email):
    response = admin_client.post(
        reverse("admin:users_user_change", args=[account.pk]),
        {
            "username": account.username,
            "email": email,
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "12:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


@database_sync_to_async
def change_in_the_shell(account, email):
    account.email = email
    account.save()


CHANGES = {
    "another socket": lambda connect, admin_client, account, staff_user, email: change_over_a_socket(
        CONSUMER, connect, account, staff_user, email
    ),
    "the view route": lambda connect, admin_client, account, staff_user, email: change_over_a_socket(
        VIEW, connect, account, staff_user, email
    ),
    "the REST API": lambda connect, admin_client, account, staff_user, email: change_over_rest(
        account, staff_user, email
    ),
    "the admin": lambda connect, admin_client, account, staff_user, email: change_in_the_admin(
        admin_client, account, email
    ),
    "the shell": lambda connect, admin_client, account, staff_user, email: change_in_the_shell(account, email),
}


@pytest.mark.parametrize("where", CHANGES)
async def test_a_subscriber_sees_every_change_wherever_it_is_made(where, connect, admin_client, user, staff_user):
    socket = await connect(CONSUMER, user=user)
    await subscribe(socket, user, "me")

    await CHANGES[where](connect, admin_client, user, staff_user, "changed@example.com")

    assert await socket.receive_json_from() == frame(
        "update", {"id": user.pk, "username": "alice", "email": "changed@example.com"}, "me"
    )


async def test_members_watching_someone_else_never_receive_their_email(connect, user, other_user, staff_user):
    member = await connect(CONSUMER, user=user)
    staff = await connect(CONSUMER, user=staff_user)
    await subscribe(member, other_user, 1)
    await subscribe(staff, other_user, 2)

    await change_in_the_shell(other_user, "secret@example.com")

    assert await member.receive_json_from() == frame("update", {"id": other_user.pk, "username": "bob"}, 1)
    assert await staff.receive_json_from() == frame(
        "update", {"id": other_user.pk, "username": "bob", "email": "secret@example.com"}, 2
    )


async def test_a_subscriber_is_told_when_the_account_is_deleted(connect, user, other_user, staff_user):
    socket = await connect(CONSUMER, user=user)
    await subscribe(socket, other_user, "bob")
    staff = await connect(CONSUMER, user=staff_user)

    assert (await staff.request("delete", pk=other_user.pk))["response_status"] == 204

    assert await socket.receive_json_from() == frame("delete", {"pk": other_user.pk}, "bob", status=204)


async def test_unsubscribing_stops_the_updates(connect, user, other_user, staff_user):
    socket = await connect(CONSUMER, user=user)
    await subscribe(socket, other_user, "bob")

    reply = await socket.request("unsubscribe_instance", pk=other_user.pk, request_id="bob")
    await change_in_the_shell(other_user, "unwatched@example.com")

    assert reply == frame("unsubscribe_instance", None, "bob", status=204)
    # Nothing arrives for bob: the next frame is the change of an account still watched.
    await subscribe(socket, staff_user, "carol")
    await change_in_the_shell(staff_user, "watched@example.com")
    assert (await socket.receive_json_from())["request_id"] == "carol"


async def test_subscriptions_need_an_account_and_an_existing_user(connect, user):
    anonymous = await connect(CONSUMER)
    member = await connect(CONSUMER, user=user)

    assert (await anonymous.request("subscribe_instance", pk=user.pk))["response_status"] == 403
    assert (await member.request("subscribe_instance", pk=user.pk + 1000))["response_status"] == 404
