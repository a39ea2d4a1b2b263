import pytest
from django.core import checks
from django.test import override_settings

STRONG = "A" * 32


def secret_errors():
    return [message for message in checks.run_checks() if message.id == "apigw.E001"]


def test_the_test_settings_secret_passes():
    assert secret_errors() == []


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("", "is empty"),
        ("A" * 31, "shorter than 32"),
        ("A" * 31 + " ", "characters outside"),
        ("A" * 31 + "\n", "characters outside"),
        (None, "is empty"),
    ],
)
def test_a_missing_weak_or_malformed_secret_is_an_error(secret, problem):
    with override_settings(APIGW_SECRET=secret):
        (error,) = secret_errors()
    assert error.level == checks.ERROR
    assert problem in error.msg


def test_the_check_runs_without_deploy():
    with override_settings(APIGW_SECRET=""):
        assert [m.id for m in checks.run_checks(include_deployment_checks=False) if m.id == "apigw.E001"]


def test_every_secret_of_a_rotation_is_checked():
    with override_settings(APIGW_SECRET=[STRONG, "short"]):
        (error,) = secret_errors()
    assert error.msg.startswith("APIGW_SECRET[1]")
    with override_settings(APIGW_SECRET=(STRONG, "b" * 40 + "._~+/=-")):
        assert secret_errors() == []
    with override_settings(APIGW_SECRET=[]):
        assert len(secret_errors()) == 1
