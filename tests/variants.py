"""Named option sets (extra_context for a bake), the answers they give, and baking them with timing."""

import json
import time
from itertools import product
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
    "use_api_gateway": True,
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
    "use_api_gateway": False,
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


LICENSES = ["MIT", "BSD-3-Clause", "Apache-2.0", "GPL-3.0", "Not open source"]
DATABASES = ["sqlite", "postgresql"]
BOOLEANS = [True, False]


def unique(contexts):
    """Drop contexts that give the same answers as an earlier one (the pair tables overlap)."""
    seen, kept = set(), []
    for context in contexts:
        key = json.dumps(answers_for(context), sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(context)
    return kept


SUPPORTED_COMBINATIONS = unique(
    [
        {},
        ALL_ON,
        ALL_OFF,
        # every value of every option, one at a time
        *({"open_source_license": license} for license in LICENSES),
        *({"database": database} for database in DATABASES),
        *({"ci_tool": ci_tool} for ci_tool in ("GitHub", "GitLab", "None")),
        {"use_redis": False},
        {"use_docker": False},
        {"use_chat_demo": False},
        {"use_user_consumers": False},
        {"use_asyncapi_docs": False},
        {"use_api_gateway": True},
        # free-text answers: a derived slug, a chosen one, and text that needs escaping where it is written
        {"project_name": "Chat-Room Site v2.0"},
        {"project_slug": "blog"},
        {"timezone": "Europe/Paris", "version": "2.1.0rc1", "domain_name": "chat.example.org"},
        {"author_name": "Zoë O'Brien", "description": 'Rooms, "live" presence and a \\ backslash'},
        # options that interact: compose and CI services follow the database and the channel layer...
        *(
            {"database": database, "use_redis": redis, "use_docker": docker}
            for database, redis, docker in product(DATABASES, BOOLEANS, BOOLEANS)
        ),
        *(
            {"ci_tool": ci_tool, "database": database, "use_redis": redis}
            for ci_tool, database, redis in product(("GitHub", "GitLab"), DATABASES, BOOLEANS)
        ),
        # ...CI installs Chromium for the chat's browser tests, the chat and the user consumers share routing
        *({"ci_tool": ci_tool, "use_chat_demo": False} for ci_tool in ("GitHub", "GitLab")),
        *({"use_chat_demo": chat, "use_user_consumers": users} for chat, users in product(BOOLEANS, BOOLEANS)),
        # ...and the AsyncAPI docs document whichever consumers there are (only ping, with both apps off)
        {"use_chat_demo": False, "use_user_consumers": False},
        # ...and the gateway serves whichever consumers there are (APIGW_CHANNELS empty with both apps off)
        {"use_api_gateway": True, "use_chat_demo": False, "use_user_consumers": False},
        *(
            {"ci_tool": ci_tool, "use_chat_demo": False, "use_asyncapi_docs": False}
            for ci_tool in ("GitHub", "GitLab")
        ),
    ]
)
