"""System checks: a broken document, a misspelt setting and a console left on in production are reported."""

from django.core.checks import run_checks
from django.test import override_settings

from .. import generator


def check_ids(**kwargs):
    return {message.id for message in run_checks(**kwargs)}


def test_the_site_document_generates():
    assert "asyncapi.E001" not in check_ids()


def test_generation_raising_is_an_error(monkeypatch):
    def broken(*args, **kwargs):
        raise generator.DocumentError("two messages are both named 'X'")

    monkeypatch.setattr(generator, "build_document", broken)
    errors = [message for message in run_checks() if message.id == "asyncapi.E001"]
    assert len(errors) == 1
    assert "both named 'X'" in errors[0].msg


@override_settings(CHANNELS_SPECTACULAR_SETTINGS={"TRY_IT_OUT_ENABLD": True})
def test_an_unknown_setting_is_an_error():
    errors = [message for message in run_checks() if message.id == "asyncapi.E002"]
    assert [error.msg for error in errors] == ["Unknown CHANNELS_SPECTACULAR_SETTINGS key: 'TRY_IT_OUT_ENABLD'."]


@override_settings(DEBUG=False, CHANNELS_SPECTACULAR_SETTINGS={"TRY_IT_OUT_ENABLED": True})
def test_deploy_check_warns_about_the_console_without_debug():
    assert "asyncapi.W001" in check_ids(include_deployment_checks=True)
    assert "asyncapi.W001" not in check_ids()


@override_settings(DEBUG=False, CHANNELS_SPECTACULAR_SETTINGS={"TRY_IT_OUT_ENABLED": False})
def test_deploy_check_is_quiet_when_the_console_is_off():
    assert "asyncapi.W001" not in check_ids(include_deployment_checks=True)
