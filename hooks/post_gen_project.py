"""Finish the generated project: drop what the answers turned off, write secrets.

Everything an option can remove is declared in ``REMOVALS``; adding an option
means adding one row there. The hook is offline and deterministic apart from
the secrets, which come from ``secrets``.
"""

import json
import os
import secrets
import shlex
import shutil
import string
import sys
from pathlib import Path

ANSWERS_JSON = r"""{{ cookiecutter | jsonify }}"""

# (option, value that turns the paths off, paths relative to the project; "{slug}" is the package)
REMOVALS = [
    ("open_source_license", "Not open source", ["LICENSE"]),
    ("use_docker", False, ["Dockerfile", "compose.yaml", ".dockerignore"]),
    ("ci_tool", "GitHub", [".gitlab-ci.yml"]),
    ("ci_tool", "GitLab", [".github"]),
    ("ci_tool", "None", [".github", ".gitlab-ci.yml"]),
    (
        "use_redis",
        False,
        ["{slug}/core/tests/test_redis_layer.py", "{slug}/channels_rest/tests/test_observer_redis.py"],
    ),
    (
        "use_chat_demo",
        False,
        [
            "{slug}/chat",
            "{slug}/templates/chat",
            "{slug}/static/chat",
        ],
    ),
    (
        "use_user_consumers",
        False,
        [
            "{slug}/users/api.py",
            "{slug}/users/api_urls.py",
            "{slug}/users/consumers.py",
            "{slug}/users/permissions.py",
            "{slug}/users/routing.py",
            "{slug}/users/serializers.py",
            "{slug}/users/tests/cases.py",
            "{slug}/users/tests/conftest.py",
            "{slug}/users/tests/test_api.py",
            "{slug}/users/tests/test_consumers.py",
            "{slug}/users/tests/transports.py",
        ],
    ),
    (
        "use_asyncapi_docs",
        False,
        ["{slug}/asyncapi", "{slug}/templates/asyncapi", "{slug}/static/asyncapi", "docs/asyncapi.md"],
    ),
    (
        "use_api_gateway",
        False,
        ["{slug}/apigw", "{slug}/templates/apigw", "{slug}/static/apigw", "docs/api-gateway.md"],
    ),
]

# The placeholder for each secret in the project's .env, which the project's .gitignore keeps out of git.
SECRET_SENTINEL = "!!!SET {name}!!!"


def paths_to_remove(answers):
    slug = answers["project_slug"]
    for option, value, paths in REMOVALS:
        if answers[option] == value:
            yield from (path.format(slug=slug) for path in paths)


def remove_paths(root, paths):
    for relative in paths:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def random_string(length, alphabet=string.ascii_letters + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(length))


def generate_secrets():
    return {
        "DJANGO_SECRET_KEY": random_string(64),
        "DJANGO_ADMIN_URL": random_string(32) + "/",
        "POSTGRES_PASSWORD": random_string(48),
        "APIGW_SECRET": random_string(48),
    }


def fill_secrets(path, values):
    """Replace each ``!!!SET NAME!!!`` sentinel in ``path`` by its value."""
    text = path.read_text()
    for name, value in values.items():
        text = text.replace(SECRET_SENTINEL.format(name=name), value)
    path.write_text(text)


def write_replay_file(root, answers):
    """Record the answers so the project can be re-baked or updated later.

    The file has cookiecutter's replay format:
    ``cookiecutter --replay-file .cookiecutter.json <template>``.
    """
    kept = {key: value for key, value in answers.items() if not key.startswith("_") or key == "_template"}
    kept.pop("__prompts__", None)
    (root / ".cookiecutter.json").write_text(json.dumps({"cookiecutter": kept}, indent=2, sort_keys=True) + "\n")


def shell_directory():
    """The directory the user ran cookiecutter from, or None: the hook itself runs inside the new project."""
    pwd = os.environ.get("PWD")
    return Path(pwd).resolve() if pwd and Path(pwd).is_dir() else None


def shown_path(project, base):
    """The project's path as the user types it: relative to ``base`` when under it, else absolute."""
    if base is not None and project.is_relative_to(base):
        return str(project.relative_to(base))
    return str(project)


def next_steps(answers, project, base):
    where = shown_path(project, base)
    return "\n".join(
        [
            f"Created {answers['project_name']} in {where}",
            "Next steps:",
            f"  cd {shlex.quote(where)}",
            "  make run     # venv, install, migrate, serve on http://127.0.0.1:8000",
            "  make test    # the project's test suite",
        ]
    )


def main():
    root = Path.cwd()  # cookiecutter runs the hook inside the new project
    answers = json.loads(ANSWERS_JSON)
    fill_secrets(root / ".env", generate_secrets())
    remove_paths(root, paths_to_remove(answers))
    write_replay_file(root, answers)
    print(next_steps(answers, root.resolve(), shell_directory()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
