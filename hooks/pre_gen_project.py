"""Validate the answers before anything is written.

Every rule prints one line that says what to change, and the hook exits 1,
which makes cookiecutter stop the bake (``FailedHookException``). Above those
lines the hook says how to bake again from the answers cookiecutter has already
saved, so that a typo in one answer does not mean answering every question again.
The checks are plain functions of the answers so that they can be unit-tested;
cookiecutter renders the answers into ``ANSWERS_JSON`` before running this file.
"""

import json
import os
import re
import shlex
import sys
import zoneinfo
from pathlib import Path

MIN_COOKIECUTTER = (2, 6)

ANSWERS_JSON = r"""{{ cookiecutter | jsonify }}"""

# Packages the generated project imports (or that Python itself provides): a
# slug with one of these names would shadow it and break the site on import.
RESERVED_SLUGS = frozenset(sys.stdlib_module_names) | {
    "asgiref",
    "channels",
    "channels_redis",
    "config",
    "daphne",
    "django",
    "environ",
    "psycopg",
    "pytest",
    "redis",
    "rest_framework",
    "site",
    "test",
    "tests",
    "twisted",
    "whitenoise",
}

HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")


def slug_errors(slug):
    if not slug.isidentifier() or slug != slug.lower():
        return [f"project_slug {slug!r} must be a lowercase Python identifier, e.g. 'my_site'."]
    if slug in RESERVED_SLUGS:
        return [f"project_slug {slug!r} would shadow the {slug!r} module; pick another name, e.g. '{slug}_site'."]
    return []


def value_errors(answers):
    errors = []
    if not answers["project_name"].strip():
        errors.append("project_name must not be empty.")
    if any(character in answers["project_name"] for character in '"\\'):
        errors.append("project_name must not contain double quotes or backslashes (it is written into Python code).")
    if not HOSTNAME.match(answers["domain_name"]):
        errors.append(
            f"domain_name {answers['domain_name']!r} must be a bare lowercase host name "
            "such as 'example.com' (no scheme, port or path)."
        )
    if not EMAIL.match(answers["email"]):
        errors.append(f"email {answers['email']!r} must be an address such as 'me@example.com'.")
    if not VERSION.match(answers["version"]):
        errors.append(f"version {answers['version']!r} must be a PEP 440 version such as '0.1.0'.")
    if answers["timezone"] not in zoneinfo.available_timezones():
        errors.append(f"timezone {answers['timezone']!r} is not an IANA time zone; use e.g. 'UTC' or 'Europe/Paris'.")
    for key in ("use_redis", "use_docker", "use_chat_demo", "use_user_consumers", "use_asyncapi_docs"):
        if not isinstance(answers[key], bool):
            errors.append(f"{key} must be a yes/no answer (JSON true/false), got {answers[key]!r}.")
    return errors


# Option combinations that cannot work together: (predicate, what to change).
# Every option added later that depends on another one adds its rule here.
INCOMPATIBLE = []


def combination_errors(answers):
    return [message for broken, message in INCOMPATIBLE if broken(answers)]


def cookiecutter_errors(version):
    found = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if found < MIN_COOKIECUTTER:
        wanted = ".".join(map(str, MIN_COOKIECUTTER))
        return [f"cookiecutter {version} is too old: run 'pip install \"cookiecutter>={wanted}\"' and bake again."]
    return []


def validate(answers, cookiecutter_version):
    return (
        cookiecutter_errors(cookiecutter_version)
        + slug_errors(answers["project_slug"])
        + value_errors(answers)
        + combination_errors(answers)
    )


def saved_answers(answers, replay_dir):
    """The replay file cookiecutter wrote these answers to just before running this hook, or None.

    It is the newest file of the replay directory, named after the template (or the ``--replay-file`` used);
    it is checked by content, since the template's name depends on the directory it was cloned into.
    """
    replays = list(Path(replay_dir).glob("*.json"))
    if not replays:
        return None
    newest = max(replays, key=lambda path: path.stat().st_mtime)
    try:
        saved = json.loads(newest.read_text())["cookiecutter"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return newest if saved == answers else None


def bake_again_command(answers, replay_file, shell_directory):
    command = ["cookiecutter", "--replay-file", str(replay_file)]
    output_dir = answers.get("_output_dir")  # older cookiecutters do not record it
    if output_dir and (shell_directory is None or Path(output_dir).resolve() != Path(shell_directory).resolve()):
        command += ["--output-dir", output_dir]
    return shlex.join([*command, answers["_template"]])


def replay_hint(answers, replay_dir, shell_directory):
    replay_file = saved_answers(answers, replay_dir)
    if replay_file is None:
        return (
            "Your answers are saved as a JSON file in cookiecutter's replay directory (~/.cookiecutter_replay/ "
            "unless replay_dir says otherwise). Correct them there and bake again without the questions:\n"
            f"  {bake_again_command(answers, '<that file>', shell_directory)}"
        )
    return (
        f"Your answers are saved in {replay_file}. Correct them there and bake again without the questions:\n"
        f"  {bake_again_command(answers, replay_file, shell_directory)}"
    )


def main():
    import cookiecutter
    from cookiecutter.config import get_user_config

    answers = json.loads(ANSWERS_JSON)
    errors = validate(answers, cookiecutter.__version__)
    if errors:
        print(replay_hint(answers, get_user_config()["replay_dir"], os.environ.get("PWD")), file=sys.stderr)
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
