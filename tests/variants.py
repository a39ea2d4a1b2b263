"""Named option sets (extra_context for a bake), the answers they give, and baking them with timing."""

import time
from pathlib import Path

from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

TEMPLATE = Path(__file__).resolve().parent.parent

ALL_ON = {
    "open_source_license": "MIT",
    "database": "postgresql",
    "use_redis": True,
    "use_docker": True,
    "ci_tool": "GitHub",
    "use_chat_demo": True,
    "use_user_consumers": True,
    "use_asyncapi_docs": True,
}

ALL_OFF = {
    "open_source_license": "Not open source",
    "database": "sqlite",
    "use_redis": False,
    "use_docker": False,
    "ci_tool": "None",
    "use_chat_demo": False,
    "use_user_consumers": False,
    "use_asyncapi_docs": False,
}


def answers_for(extra_context=None):
    """The answers a bake with ``extra_context`` gets, rendered by cookiecutter itself (derived defaults included)."""
    context = generate_context(context_file=str(TEMPLATE / "cookiecutter.json"), extra_context=extra_context or {})
    answers = prompt_for_config(context, no_input=True)
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def variant_id(extra_context):
    """``key:value-key:value`` (or a name), readable in test ids and reports."""
    named = {"all-on": ALL_ON, "all-off": ALL_OFF, "defaults": {}}
    for name, context in named.items():
        if extra_context == context:
            return name
    return "-".join(f"{key}:{value}" for key, value in extra_context.items())


def bake_timed(cookies, extra_context):
    """Bake this template with pytest-cookies' ``cookies``; return (result, seconds)."""
    started = time.perf_counter()
    result = cookies.bake(extra_context=extra_context, template=str(TEMPLATE))
    return result, time.perf_counter() - started
