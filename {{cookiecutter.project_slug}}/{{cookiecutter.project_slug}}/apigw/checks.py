"""System checks: the gateway's shared secret must be set and strong, in every environment."""

import re

from django.conf import settings
from django.core import checks

SECRET_MIN_LENGTH = 32
SECRET_PATTERN = re.compile(r"[A-Za-z0-9._~+/=-]+")


def configured_secrets():
    """APIGW_SECRET as a list: one string, or several while a secret is rotated (the first is the one to send)."""
    value = getattr(settings, "APIGW_SECRET", "")
    return list(value) if isinstance(value, (list, tuple)) else [value]


def secret_problem(secret):
    """Why ``secret`` cannot guard the event view, or None."""
    if not isinstance(secret, str) or not secret:
        return "is empty"
    if len(secret) < SECRET_MIN_LENGTH:
        return f"is shorter than {SECRET_MIN_LENGTH} characters"
    if not SECRET_PATTERN.fullmatch(secret):
        return "has characters outside [A-Za-z0-9._~+/=-]"
    return None


@checks.register(checks.Tags.security)
def check_secret(app_configs, **kwargs):
    """apigw.E001: without a strong secret anyone could post gateway events, so this is an error, not a warning."""
    secrets = configured_secrets() or [""]
    errors = []
    for index, secret in enumerate(secrets):
        problem = secret_problem(secret)
        if problem:
            which = "APIGW_SECRET" if len(secrets) == 1 else f"APIGW_SECRET[{index}]"
            errors.append(
                checks.Error(
                    f"{which} {problem}.",
                    hint=(
                        f"Set the APIGW_SECRET environment variable to at least {SECRET_MIN_LENGTH} random characters "
                        "of [A-Za-z0-9._~+/=-] (python -c 'import secrets; print(secrets.token_urlsafe(48))'), and "
                        "send the same value from API Gateway in the X-Ws-Gateway-Secret header."
                    ),
                    id="apigw.E001",
                )
            )
    return errors
