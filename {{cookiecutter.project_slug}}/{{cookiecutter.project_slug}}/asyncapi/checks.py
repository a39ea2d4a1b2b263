"""System checks: the document can be generated, the settings are known, the console is off in production."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .settings import asyncapi_settings


@register(Tags.compatibility)
def check_document(app_configs=None, **kwargs):
    """Generation raising would break the docs page and the export: say so at ``check`` time."""
    from .generator import build_document

    try:
        build_document()
    except Exception as exc:
        return [
            Error(
                f"The AsyncAPI document cannot be generated: {type(exc).__name__}: {exc}",
                hint="Run `manage.py export_asyncapi` for the traceback.",
                id="asyncapi.E001",
            )
        ]
    return []


@register(Tags.compatibility)
def check_settings(app_configs=None, **kwargs):
    return [
        Error(
            f"Unknown CHANNELS_SPECTACULAR_SETTINGS key: {key!r}.",
            hint="See the settings table in docs/asyncapi.md.",
            id="asyncapi.E002",
        )
        for key in asyncapi_settings.unknown_keys()
    ]


@register(Tags.security, deploy=True)
def check_try_it_out(app_configs=None, **kwargs):
    if asyncapi_settings.TRY_IT_OUT_ENABLED and not settings.DEBUG:
        return [
            Warning(
                "The AsyncAPI try-it-out console is enabled with DEBUG off.",
                hint="Set CHANNELS_SPECTACULAR_SETTINGS['TRY_IT_OUT_ENABLED'] = False in production settings.",
                id="asyncapi.W001",
            )
        ]
    return []
