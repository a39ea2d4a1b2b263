"""Every action x role on the user API, as data: the REST and websocket tests replay the same table.

Roles are the accounts of the root conftest: nobody (anonymous), ``alice`` and ``bob`` (members) and
``carol`` (staff). Expected data names accounts by username; ``resolve`` turns those into real ids.
"""

from dataclasses import dataclass

PASSWORD = "correct horse battery staple"
MISSING = "missing"  # a target id no account has
NEW_EMAIL = {"email": "new@example.com"}


def shown(name, email=True):
    """An account as a reply shows it: its email only when the viewer may see it."""
    return {"id": name, "username": name, **({"email": f"{name}@example.com"} if email else {})}


def sign_up(name="dora", **changes):
    """A sign-up request; a change to ``None`` leaves that field out."""
    data = {"username": name, "email": f"{name}@example.com", "password": PASSWORD, **changes}
    return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class Case:
    actor: str | None
    action: str
    target: str | None = None
    data: dict | None = None
    status: int = 200
    expected: object = None  # reply data on success
    error_fields: tuple = ()  # fields named in a 400 reply

    def __str__(self):
        parts = (self.actor or "anonymous", self.action, self.target, self.status, *self.error_fields)
        return "-".join(str(part) for part in parts if part)


ACCESS = [
    Case(None, "list", status=403),
    Case("alice", "list", expected=[shown("alice"), shown("bob", email=False), shown("carol", email=False)]),
    Case("carol", "list", expected=[shown("alice"), shown("bob"), shown("carol")]),
    Case(None, "retrieve", "bob", status=403),
    Case("alice", "retrieve", "alice", expected=shown("alice")),
    Case("alice", "retrieve", "bob", expected=shown("bob", email=False)),
    Case("carol", "retrieve", "bob", expected=shown("bob")),
    Case("alice", "retrieve", MISSING, status=404),
    Case(None, "create", data=sign_up(), status=201, expected=shown("dora")),
    Case("alice", "create", data=sign_up(), status=403),
    Case("carol", "create", data=sign_up(), status=201, expected=shown("dora")),
    Case(None, "patch", "bob", NEW_EMAIL, status=403),
    Case("alice", "patch", "alice", NEW_EMAIL, expected={**shown("alice"), **NEW_EMAIL}),
    Case("alice", "patch", "bob", NEW_EMAIL, status=403),
    Case("carol", "patch", "bob", NEW_EMAIL, expected={**shown("bob"), **NEW_EMAIL}),
    Case("carol", "patch", MISSING, NEW_EMAIL, status=404),
    Case(None, "update", "bob", {"username": "renamed"}, status=403),
    Case("alice", "update", "alice", {"username": "renamed"}, expected={**shown("alice"), "username": "renamed"}),
    Case("alice", "update", "bob", {"username": "renamed"}, status=403),
    Case("carol", "update", "bob", {"username": "renamed"}, expected={**shown("bob"), "username": "renamed"}),
    Case(None, "delete", "bob", status=403),
    Case("alice", "delete", "alice", status=204),
    Case("alice", "delete", "bob", status=403),
    Case("carol", "delete", "bob", status=204),
    Case("alice", "delete", MISSING, status=404),
]

INVALID = [
    Case(None, "create", data=sign_up("ALICE", email="dora@example.com"), status=400, error_fields=("username",)),
    Case(None, "create", data=sign_up(email="Alice@EXAMPLE.com"), status=400, error_fields=("email",)),
    Case(None, "create", data=sign_up("no spaces!", email="dora@example.com"), status=400, error_fields=("username",)),
    # A full-width "ａ" is an "a" once Unicode-normalized, as Django stores usernames.
    Case(None, "create", data=sign_up("\uff41lice", email="dora@example.com"), status=400, error_fields=("username",)),
    Case(None, "create", data=sign_up(email="not-an-email"), status=400, error_fields=("email",)),
    Case(None, "create", data=sign_up(username=None), status=400, error_fields=("username",)),
    Case(None, "create", data=sign_up(password=None), status=400, error_fields=("password",)),
    Case(None, "create", data=sign_up(password="12345678"), status=400, error_fields=("password",)),
    Case(None, "create", data=sign_up("dorothea", password="dorothea1"), status=400, error_fields=("password",)),
    Case(None, "create", data=sign_up(password="short"), status=400, error_fields=("password",)),
    Case(
        None,
        "create",
        data={**sign_up(password=None), "password1": PASSWORD, "password2": PASSWORD + "!"},
        status=400,
        error_fields=("password2",),
    ),
    Case(
        None,
        "create",
        data={**sign_up(password=None), "password1": "12345678", "password2": "12345678"},
        status=400,
        error_fields=("password1",),
    ),
    Case(None, "create", data={**sign_up(), "password1": PASSWORD}, status=400, error_fields=("password",)),
    Case("alice", "patch", "alice", {"email": "BOB@example.com"}, status=400, error_fields=("email",)),
    Case("alice", "patch", "alice", {"username": "Bob"}, status=400, error_fields=("username",)),
    Case("alice", "patch", "alice", {"password": "alice"}, status=400, error_fields=("password",)),
    Case("alice", "update", "alice", {"email": "alice@example.com"}, status=400, error_fields=("username",)),
]

CASES = ACCESS + INVALID


def resolve(expected, id_of):
    """Replace the account names in ``expected`` ids by real ids, ``id_of(name)``."""
    if isinstance(expected, list):
        return [resolve(item, id_of) for item in expected]
    if isinstance(expected, dict):
        return {**expected, "id": id_of(expected["id"])}
    return expected
