"""Which files of the generated project each option controls, written down independently of the hook.

The post-generation hook has its own table (REMOVALS); this one states what a user should get, so the tests
compare the two through their effect on real bakes rather than trusting either.
"""

from variants import TEMPLATE

PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"


def _docker(answers):
    return answers["use_docker"]


def _redis(answers):
    return answers["use_redis"]


def _chat(answers):
    return answers["use_chat_demo"]


def _user_consumers(answers):
    return answers["use_user_consumers"]


def _asyncapi(answers):
    return answers["use_asyncapi_docs"]


def _api_gateway(answers):
    return answers["use_api_gateway"]


# Path (a file, or a directory and everything in it; "{slug}" is the package) -> when it must exist.
OPTION_PATHS = {
    "LICENSE": lambda answers: answers["open_source_license"] != "Not open source",
    "Dockerfile": _docker,
    "compose.yaml": _docker,
    ".dockerignore": _docker,
    ".github": lambda answers: answers["ci_tool"] == "GitHub",
    ".gitlab-ci.yml": lambda answers: answers["ci_tool"] == "GitLab",
    "{slug}/core/tests/test_redis_layer.py": _redis,
    "{slug}/channels_rest/tests/test_observer_redis.py": _redis,
    "{slug}/chat": _chat,
    "{slug}/templates/chat": _chat,
    "{slug}/static/chat": _chat,
    "{slug}/users/api.py": _user_consumers,
    "{slug}/users/api_urls.py": _user_consumers,
    "{slug}/users/consumers.py": _user_consumers,
    "{slug}/users/permissions.py": _user_consumers,
    "{slug}/users/routing.py": _user_consumers,
    "{slug}/users/serializers.py": _user_consumers,
    "{slug}/users/tests/cases.py": _user_consumers,
    "{slug}/users/tests/conftest.py": _user_consumers,
    "{slug}/users/tests/test_api.py": _user_consumers,
    "{slug}/users/tests/test_consumers.py": _user_consumers,
    "{slug}/users/tests/transports.py": _user_consumers,
    "{slug}/asyncapi": _asyncapi,
    "{slug}/templates/asyncapi": _asyncapi,
    "{slug}/static/asyncapi": _asyncapi,
    "docs/asyncapi.md": _asyncapi,
    "{slug}/apigw": _api_gateway,
    "{slug}/templates/apigw": _api_gateway,
    "{slug}/static/apigw": _api_gateway,
    "docs/api-gateway.md": _api_gateway,
}

# Written by the post-generation hook, not copied from the template.
GENERATED_FILES = {".cookiecutter.json"}


def template_files(slug):
    """Every file of the project template, with the package directory named ``slug``."""
    for path in PROJECT_TEMPLATE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path.relative_to(PROJECT_TEMPLATE).as_posix().replace("{{cookiecutter.project_slug}}", slug)


def under(file, path):
    return file == path or file.startswith(path + "/")


def switched_off(files, answers):
    """The subset of ``files`` that ``answers`` turn off, according to OPTION_PATHS."""
    off = [path.format(slug=answers["project_slug"]) for path, wanted in OPTION_PATHS.items() if not wanted(answers)]
    return {file for file in files if any(under(file, path) for path in off)}


def expected_files(answers):
    """Exactly the files a bake with ``answers`` must contain."""
    files = set(template_files(answers["project_slug"]))
    return (files - switched_off(files, answers)) | GENERATED_FILES
