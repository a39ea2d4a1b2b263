import pytest

from .cases import MISSING


@pytest.fixture
def accounts(user, other_user, staff_user):
    """The root fixtures' accounts by username: alice and bob (members), carol (staff)."""
    return {account.username: account for account in (user, other_user, staff_user)}


@pytest.fixture
def target_id(accounts):
    """The id a case acts on: an account's, or one that no account has."""

    def target_id(case):
        if case.target == MISSING:
            return max(account.pk for account in accounts.values()) + 1000
        return accounts[case.target].pk if case.target else None

    return target_id


@pytest.fixture
def id_of(accounts, django_user_model):
    """The id of an account by its original username, including accounts a case created."""

    def id_of(name):
        return accounts[name].pk if name in accounts else django_user_model.objects.get(username=name).pk

    return id_of
