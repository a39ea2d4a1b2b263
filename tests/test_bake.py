"""Every supported option set bakes into a clean, complete project; unsupported answers are refused.

Each supported combination is baked once (a module-scoped fixture) and checked from several angles: fully
rendered, exactly the files its options call for, lint-clean, configuration files that parse and start the
right services, and a replay file that reproduces it.
"""

import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from cookiecutter.replay import load
from ruff.__main__ import find_ruff_bin

from cookiecutter_cli import clone_of_the_template, run_cookiecutter
from hook_modules import pre
from layout import OPTION_PATHS, PROJECT_TEMPLATE, expected_files, template_files
from variants import SUPPORTED_COMBINATIONS, TEMPLATE, answers_for, bake_timed, variant_id

# Answers the pre-generation hook refuses: (extra_context, what the error says).
INVALID_ANSWERS = [
    ({"timezone": "Mars/Olympus_Mons"}, "is not an IANA time zone"),
    ({"domain_name": "https://example.com"}, "must be a bare lowercase host name"),
    ({"domain_name": "example.com:8000"}, "must be a bare lowercase host name"),
    ({"use_redis": 1}, "use_redis must be a yes/no answer"),
    ({"version": "1.0-beta"}, "must be a PEP 440 version"),
    ({"email": "not-an-email"}, "must be an address"),
    ({"project_name": "  ", "project_slug": "blank"}, "project_name must not be empty"),
    ({"project_name": 'The "Chat" Room', "project_slug": "chat_room"}, "project_name must not contain double quotes"),
]
# Option combinations the hook's INCOMPATIBLE table refuses: (extra_context, what the error says).
# test_every_incompatible_rule_is_exercised keeps this list in step with the table.
INCOMPATIBLE_COMBINATIONS = []
UNSUPPORTED_COMBINATIONS = INVALID_ANSWERS + INCOMPATIBLE_COMBINATIONS

INVALID_SLUGS = {
    "project slug": "must be a lowercase Python identifier",
    "Project_Slug": "must be a lowercase Python identifier",
    "1abc": "must be a lowercase Python identifier",
    "django": "would shadow",
    "channels": "would shadow",
    "test": "would shadow",
    "config": "would shadow",
    "asyncio": "would shadow",
}

# "{{ cookiecutter.x }}" left in a file: the variable was never rendered.
UNRENDERED_VARIABLE = re.compile(r"{{(\s?cookiecutter)[.](.*?)}}")
# Any Jinja delimiter in a file that is neither a Django template nor copied verbatim: a tag that escaped
# rendering, or Jinja in a place where the project itself meant literal braces. "${{" is GitHub Actions syntax.
STRAY_JINJA = re.compile(r"{%|%}|{#|#}|(?<!\$){{")
SECRET_SENTINEL = "!!!SET "


@pytest.fixture(scope="module", params=SUPPORTED_COMBINATIONS, ids=variant_id)
def baked(request, cookies_session):
    result, seconds = bake_timed(cookies_session, request.param)
    result.seconds = seconds
    return result


@pytest.fixture
def project(baked):
    if baked.exception is not None:
        pytest.fail(f"the bake failed: {baked.exception!r}", pytrace=False)
    return baked.project_path


@pytest.fixture
def answers(baked):
    return {key: value for key, value in baked.context.items() if not key.startswith("_")}


def project_files(root):
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def text_files(root):
    for path in sorted(root.rglob("*")):
        if path.is_file():
            content = path.read_bytes()
            if b"\0" not in content:
                yield path.relative_to(root).as_posix(), content.decode()


def is_copied_verbatim(relative):
    """Files cookiecutter copies without rendering (``_copy_without_render``): Django templates, static files."""
    return relative.endswith(".html") or "/static/" in f"/{relative}"


def test_bakes_cleanly(baked, answers, record_property):
    record_property("bake_seconds", round(baked.seconds, 3))
    assert baked.exit_code == 0
    assert baked.exception is None, repr(baked.exception)
    assert baked.project_path.name == answers["project_slug"]
    assert (baked.project_path / answers["project_slug"] / "__init__.py").is_file()


def test_everything_is_rendered(project):
    problems = []
    for relative, text in text_files(project):
        if UNRENDERED_VARIABLE.search(text):
            problems.append(f"{relative}: unrendered {UNRENDERED_VARIABLE.search(text).group(0)}")
        if not is_copied_verbatim(relative) and (match := STRAY_JINJA.search(text)):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{relative}:{line}: stray {match.group(0)!r}")
        if SECRET_SENTINEL in text:
            problems.append(f"{relative}: secret placeholder left unfilled")
    assert not problems, "\n".join(problems)


def test_contains_exactly_the_files_its_options_call_for(project, answers):
    present = project_files(project)
    expected = expected_files(answers)
    assert sorted(expected - present) == [], "missing"
    assert sorted(present - expected) == [], "should not be there"
    for path, wanted in OPTION_PATHS.items():
        exists = (project / path.format(slug=answers["project_slug"])).exists()
        assert exists == wanted(answers), f"{path} exists={exists} with these answers"


def test_passes_ruff_check_and_ruff_format_check(project):
    ruff = find_ruff_bin()
    failures = []
    for command in (["check", "--output-format=concise"], ["format", "--check"]):
        result = subprocess.run([ruff, *command, "--no-cache", "."], cwd=project, capture_output=True, text=True)
        if result.returncode:
            failures.append(f"$ ruff {' '.join(command)}\n{result.stdout}{result.stderr}")
    assert not failures, "\n".join(failures)


def services_of(answers):
    """The servers a project with these answers talks to, named as compose and CI name them."""
    return {
        name
        for name, used in [("postgres", answers["database"] == "postgresql"), ("redis", answers["use_redis"])]
        if used
    }


def test_yaml_files_parse(project):
    for relative, text in text_files(project):
        if relative.endswith((".yml", ".yaml")):
            assert yaml.safe_load(text) is not None, relative


def test_compose_starts_the_services_the_site_uses(project, answers):
    assert (project / "compose.yaml").exists() == answers["use_docker"]
    if not answers["use_docker"]:
        return
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    wanted = services_of(answers)
    assert set(compose["services"]) == {"web"} | wanted
    web = compose["services"]["web"]
    assert set(web.get("depends_on", {})) == wanted
    assert ("REDIS_URL" in web["environment"]) == answers["use_redis"]
    assert web["environment"]["DATABASE_URL"].startswith(
        "postgres://" if answers["database"] == "postgresql" else "sqlite:"
    )


def test_ci_runs_lint_migrations_check_and_tests_against_the_right_services(project, answers):
    if answers["ci_tool"] == "GitHub":
        job = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())["jobs"]["test"]
        services = set(job.get("services", {}))
        environment = job.get("env", {})
        commands = [step["run"] for step in job["steps"] if "run" in step]
    elif answers["ci_tool"] == "GitLab":
        job = yaml.safe_load((project / ".gitlab-ci.yml").read_text())["test"]
        services = {service["alias"] for service in job.get("services", [])}
        environment = job.get("variables", {})
        commands = job["script"]
    else:
        assert not (project / ".github").exists()
        assert not (project / ".gitlab-ci.yml").exists()
        return
    assert services == services_of(answers)
    assert ("REDIS_URL" in environment) == answers["use_redis"]
    assert ("DATABASE_URL" in environment) == (answers["database"] == "postgresql")
    assert environment.get("REQUIRE_SERVICES") == "1", "CI must fail, not skip, tests whose service is missing"
    assert "make lint" in commands
    assert "make test" in commands
    assert any("makemigrations --check" in command for command in commands)
    # The browser tests need a browser: GitHub runners ship Chrome, GitLab's image gets Chromium.
    assert "CHROMIUM_PATH" in environment or any("chromium" in command for command in commands)


def dependency_names(requirements):
    return {re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower() for requirement in requirements}


def test_pyproject_parses_and_depends_only_on_what_the_options_use(project, answers):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["name"] == answers["project_slug"]
    assert pyproject["version"] == answers["version"]
    assert pyproject["description"] == answers["description"]
    assert pyproject["authors"] == [{"name": answers["author_name"], "email": answers["email"]}]
    assert ("license" in pyproject) == (answers["open_source_license"] != "Not open source")
    runtime = dependency_names(pyproject["dependencies"])
    assert {"django", "channels", "daphne", "djangorestframework"} <= runtime
    assert ("psycopg" in runtime) == (answers["database"] == "postgresql")
    assert ("channels-redis" in runtime) == answers["use_redis"]
    assert ("redis" in runtime) == answers["use_redis"]
    development = dependency_names(pyproject["optional-dependencies"]["dev"])
    assert "playwright" in development
    assert ("pyyaml" in runtime) == answers["use_asyncapi_docs"]
    assert ("boto3" in runtime) == answers["use_api_gateway"]
    assert ("moto" in development) == answers["use_api_gateway"]
    assert "djangorestframework-simplejwt" in runtime


def test_the_api_gateway_app_is_wired_only_with_its_option(project, answers):
    """Off: no app, no URLs, no settings, no AWS dependency. On: the app, its URLs and the consumers it bridges."""
    slug = answers["project_slug"]
    settings = (project / "config/settings/base.py").read_text()
    urls = (project / "config/urls.py").read_text()
    if answers["use_api_gateway"]:
        assert f'"{slug}.apigw"' in settings
        assert f'include("{slug}.apigw.urls")' in urls
        channels = settings.split("APIGW_CHANNELS = {")[1].split("}")[0]
        assert f"{slug}.core.consumers.PingConsumer" in channels
        assert (f"{slug}.chat.consumers.RoomConsumer" in channels) == answers["use_chat_demo"]
        assert (f"{slug}.users.consumers.UserConsumer" in channels) == answers["use_user_consumers"]
        return
    assert not (project / slug / "apigw").exists()
    for relative in ("urls.py", "settings/base.py", "settings/local.py", "settings/test.py"):
        assert "apigw" not in (project / "config" / relative).read_text().lower(), relative
    pyproject = (project / "pyproject.toml").read_text()
    assert "boto3" not in pyproject and "moto" not in pyproject
    for path in project.rglob("requirements*.txt"):
        assert "boto3" not in path.read_text(), path


def test_replay_file_holds_the_answers_and_reproduces_the_project(
    project, answers, tmp_path, _cookiecutter_config_file
):
    replay_file = project / ".cookiecutter.json"
    recorded = json.loads(replay_file.read_text())["cookiecutter"]
    assert {key: value for key, value in recorded.items() if not key.startswith("_")} == answers
    assert recorded["_template"] == str(TEMPLATE)

    rebaked = Path(
        cookiecutter(
            str(TEMPLATE),
            replay=str(replay_file),
            output_dir=str(tmp_path),
            config_file=str(_cookiecutter_config_file),
        )
    )
    assert project_files(rebaked) == project_files(project)
    differing = [
        relative
        for relative in project_files(project)
        if (rebaked / relative).read_bytes() != (project / relative).read_bytes()
    ]
    assert differing == [".env"], "only the secrets may differ between two bakes of the same answers"


def env_values(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_each_bake_gets_its_own_secrets(bake, cookies_session):
    first = env_values(bake(database="postgresql") / ".env")
    second_result, _ = bake_timed(cookies_session, {"database": "postgresql"})
    second = env_values(second_result.project_path / ".env")
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ADMIN_URL", "POSTGRES_PASSWORD"):
        assert not first[name].startswith("!!!"), name
        assert first[name] != second[name], name


@pytest.mark.parametrize(
    ("extra_context", "message"),
    UNSUPPORTED_COMBINATIONS,
    ids=[variant_id(context) for context, _ in UNSUPPORTED_COMBINATIONS],
)
def test_unsupported_answers_are_refused(cookies, capfd, tmp_path, extra_context, message):
    result = cookies.bake(extra_context=extra_context, template=str(TEMPLATE))
    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException), repr(result.exception)
    assert message in capfd.readouterr().err
    assert not any((tmp_path / "cookies").rglob("*.py")), "a refused bake left a half-generated project"


@pytest.mark.parametrize(("slug", "message"), INVALID_SLUGS.items())
def test_invalid_slugs_are_refused(cookies, capfd, slug, message):
    result = cookies.bake(extra_context={"project_slug": slug}, template=str(TEMPLATE))
    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException), repr(result.exception)
    assert f"project_slug {slug!r} {message}" in capfd.readouterr().err


def test_next_steps_give_the_real_path_of_the_project(tmp_path):
    clone = clone_of_the_template(tmp_path)
    nested = run_cookiecutter(["--no-input", "--output-dir", "build/demo", "."], clone, tmp_path / "home")
    assert nested.returncode == 0, nested.stderr
    assert "Created Realtime Site in build/demo/realtime_site\n" in nested.stdout
    assert "  cd build/demo/realtime_site\n" in nested.stdout
    elsewhere = tmp_path / "projects"
    outside = run_cookiecutter(["--no-input", "--output-dir", str(elsewhere), "."], clone, tmp_path / "home")
    assert outside.returncode == 0, outside.stderr
    assert f"  cd {elsewhere / 'realtime_site'}\n" in outside.stdout
    assert (elsewhere / "realtime_site" / "manage.py").is_file()


def test_a_refused_bake_says_how_to_bake_again_and_ends_with_the_error(tmp_path):
    """A bad slug typed at the prompts: the hint to bake again from the saved answers, the one-line error last."""
    home = tmp_path / "home"
    template = clone_of_the_template(tmp_path)
    # a project name, a slug, then Enter (the default) at every other prompt
    result = run_cookiecutter(["."], template, home, typed="My Site\nMy-Site\n" + "\n" * 20)
    assert result.returncode != 0
    saved = home / ".cookiecutter_replay" / "my-clone.json"
    assert load(str(saved.parent), "my-clone")["cookiecutter"]["project_slug"] == "My-Site"
    hook_lines = result.stderr.splitlines()  # cookiecutter's own report of the failed hook goes to stdout
    assert hook_lines == [
        f"Your answers are saved in {saved}. Correct them there and bake again without the questions:",
        f"  cookiecutter --replay-file {saved} .",
        "ERROR: project_slug 'My-Site' must be a lowercase Python identifier, e.g. 'my_site'.",
    ]

    saved.write_text(saved.read_text().replace('"My-Site"', '"my_site"'))
    again = run_cookiecutter(shlex.split(hook_lines[1])[1:], template, home)  # the command as printed
    assert again.returncode == 0, again.stderr
    assert (template / "my_site" / "manage.py").is_file()
    assert "  cd my_site\n" in again.stdout


def test_every_incompatible_rule_is_exercised():
    """Each rule of the hook's INCOMPATIBLE table is hit by a combination in INCOMPATIBLE_COMBINATIONS."""
    for broken, message in pre.INCOMPATIBLE:
        assert any(broken(answers_for(context)) for context, _ in INCOMPATIBLE_COMBINATIONS), message


def test_option_table_matches_the_template():
    """Every option-controlled path of tests/layout.py exists in the template (the table is not stale)."""
    files = set(template_files("{slug}"))
    for path in OPTION_PATHS:
        assert (PROJECT_TEMPLATE / path.replace("{slug}", "{{cookiecutter.project_slug}}")).exists() or any(
            file.startswith(path + "/") for file in files
        ), path


def test_no_template_file_is_ignored_by_git():
    """The generated project's .gitignore also applies inside the template: a file it matches (.env, say)
    would silently be missing from every clone, and every bake from a clone would fail."""
    if not (TEMPLATE / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--", PROJECT_TEMPLATE.name, "hooks"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        check=True,
    )
    ignored = [path for path in listed.stdout.splitlines() if not re.search(r"__pycache__/|\.ruff_cache/", path)]
    assert ignored == [], "git ignores these template files; add them with git add -f"
