"""Unit tests of the hooks' functions, imported from hooks/ without baking."""

import json

import pytest
from cookiecutter.replay import load

from hook_modules import post, pre
from layout import switched_off, template_files
from variants import ALL_OFF, ALL_ON, answers_for

VALID = answers_for()


# pre_gen_project: validation


@pytest.mark.parametrize("slug", ["realtime_site", "blog", "chat2", "my_django_site"])
def test_valid_slugs_pass(slug):
    assert pre.slug_errors(slug) == []


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("project slug", "must be a lowercase Python identifier"),
        ("Project_Slug", "must be a lowercase Python identifier"),
        ("1abc", "must be a lowercase Python identifier"),
        ("my-site", "must be a lowercase Python identifier"),
        ("", "must be a lowercase Python identifier"),
        ("django", "would shadow the 'django' module"),
        ("channels", "would shadow the 'channels' module"),
        ("config", "would shadow the 'config' module"),
        ("asyncio", "would shadow the 'asyncio' module"),
        ("test", "would shadow the 'test' module"),
    ],
)
def test_invalid_slugs_get_one_clear_error(slug, message):
    errors = pre.slug_errors(slug)
    assert len(errors) == 1
    assert message in errors[0]
    assert repr(slug) in errors[0]


def test_default_and_extreme_answers_are_valid():
    for answers in (VALID, answers_for(ALL_ON), answers_for(ALL_OFF)):
        assert pre.value_errors(answers) == []
        assert pre.combination_errors(answers) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"project_name": " "}, "project_name must not be empty"),
        ({"project_name": 'The "Best" Site'}, "project_name must not contain double quotes"),
        ({"project_name": "Back\\slash"}, "project_name must not contain double quotes or backslashes"),
        ({"domain_name": "https://example.com"}, "domain_name 'https://example.com' must be a bare"),
        ({"domain_name": "example.com/path"}, "must be a bare lowercase host name"),
        ({"domain_name": "Example.com"}, "must be a bare lowercase host name"),
        ({"domain_name": "-bad.example.com"}, "must be a bare lowercase host name"),
        ({"email": "me@localhost"}, "email 'me@localhost' must be an address"),
        ({"email": "two words@example.com"}, "must be an address"),
        ({"version": "v1"}, "version 'v1' must be a PEP 440 version"),
        ({"version": "1.0-beta"}, "must be a PEP 440 version"),
        ({"timezone": "Europe/Atlantis"}, "timezone 'Europe/Atlantis' is not an IANA time zone"),
        ({"use_redis": "yes"}, "use_redis must be a yes/no answer"),
        ({"use_docker": 1}, "use_docker must be a yes/no answer"),
        ({"use_chat_demo": None}, "use_chat_demo must be a yes/no answer"),
        ({"use_user_consumers": "n"}, "use_user_consumers must be a yes/no answer"),
    ],
)
def test_each_bad_value_gets_one_error_naming_it(changes, message):
    errors = pre.value_errors({**VALID, **changes})
    assert len(errors) == 1, errors
    assert message in errors[0]


@pytest.mark.parametrize("version", ["0.1.0", "1", "2.1.0rc1", "1.0.post2", "3.0.dev4"])
def test_pep440_versions_pass(version):
    assert pre.value_errors({**VALID, "version": version}) == []


def test_combination_errors_report_each_broken_rule(monkeypatch):
    rules = [
        (lambda answers: answers["use_chat_demo"] and not answers["use_redis"], "chat without redis"),
        (lambda answers: answers["use_docker"], "docker"),
    ]
    monkeypatch.setattr(pre, "INCOMPATIBLE", rules)
    assert pre.combination_errors({**VALID, "use_redis": False, "use_docker": False}) == ["chat without redis"]
    assert pre.combination_errors({**VALID, "use_redis": False}) == ["chat without redis", "docker"]
    assert pre.combination_errors({**VALID, "use_docker": False}) == []


@pytest.mark.parametrize(
    ("version", "too_old"), [("2.5.1", True), ("1.7.3", True), ("2.6.0", False), ("2.7.1", False)]
)
def test_cookiecutter_version_is_checked(version, too_old):
    errors = pre.cookiecutter_errors(version)
    assert bool(errors) == too_old
    if too_old:
        assert 'pip install "cookiecutter>=2.6"' in errors[0]


def test_validate_collects_every_error():
    answers = {**VALID, "project_slug": "django", "timezone": "Nowhere", "email": "nobody"}
    errors = pre.validate(answers, "2.1.0")
    assert len(errors) == 4
    assert "cookiecutter 2.1.0 is too old" in errors[0]
    assert "would shadow" in errors[1]
    assert pre.validate(VALID, "2.7.1") == []


# post_gen_project: removals, secrets, replay file


def covered_files(paths, files):
    paths = list(paths)
    return {file for file in files if any(file == path or file.startswith(path + "/") for path in paths)}


OPTION_VALUES = [
    ("open_source_license", ["MIT", "BSD-3-Clause", "Apache-2.0", "GPL-3.0", "Not open source"]),
    ("database", ["sqlite", "postgresql"]),
    ("use_redis", [True, False]),
    ("use_docker", [True, False]),
    ("ci_tool", ["GitHub", "GitLab", "None"]),
    ("use_chat_demo", [True, False]),
    ("use_user_consumers", [True, False]),
    ("use_asyncapi_docs", [True, False]),
]


@pytest.mark.parametrize(
    ("option", "value"), [(option, value) for option, values in OPTION_VALUES for value in values]
)
def test_paths_to_remove_follow_each_option(option, value):
    """The hook removes exactly the files that tests/layout.py says the option turns off (and no others)."""
    # Start from everything on (GitHub CI), so that the removals seen are those of this one option.
    answers = answers_for({**ALL_ON, option: value})
    files = set(template_files(answers["project_slug"]))
    assert covered_files(post.paths_to_remove(answers), files) == switched_off(files, answers)


def test_paths_to_remove_use_the_slug():
    answers = answers_for({**ALL_OFF, "project_slug": "blog"})
    removed = list(post.paths_to_remove(answers))
    assert any(path.startswith("blog/") for path in removed)
    assert not any("{slug}" in path for path in removed)


def test_remove_paths_removes_files_and_directories_and_ignores_missing_ones(tmp_path):
    (tmp_path / "keep.txt").write_text("kept")
    (tmp_path / "gone.txt").write_text("removed")
    (tmp_path / "app" / "sub").mkdir(parents=True)
    (tmp_path / "app" / "sub" / "module.py").write_text("")
    post.remove_paths(tmp_path, ["gone.txt", "app", "never-existed.txt"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["keep.txt"]


def test_fill_secrets_replaces_every_sentinel_and_keeps_the_rest(tmp_path):
    env = tmp_path / ".env"
    env.write_text(
        "# comment stays\n"
        "DJANGO_SECRET_KEY=!!!SET DJANGO_SECRET_KEY!!!\n"
        "DJANGO_ADMIN_URL=!!!SET DJANGO_ADMIN_URL!!!\n"
        "POSTGRES_PASSWORD=!!!SET POSTGRES_PASSWORD!!!\n"
        "APIGW_SECRET=!!!SET APIGW_SECRET!!!\n"
        "OTHER=value\n"
    )
    values = post.generate_secrets()
    post.fill_secrets(env, values)
    text = env.read_text()
    assert "!!!SET" not in text
    assert text.startswith("# comment stays\n")
    assert "OTHER=value\n" in text
    for name, value in values.items():
        assert f"{name}={value}\n" in text


def test_generated_secrets_are_strong_and_differ_every_time():
    first, second = post.generate_secrets(), post.generate_secrets()
    assert set(first) == {"DJANGO_SECRET_KEY", "DJANGO_ADMIN_URL", "POSTGRES_PASSWORD", "APIGW_SECRET"}
    assert len(first["DJANGO_SECRET_KEY"]) >= 50  # Django's check --deploy wants 50+ characters
    assert len(first["APIGW_SECRET"]) >= 32  # the apigw app's system check wants 32+ characters
    assert first["DJANGO_ADMIN_URL"].endswith("/")
    for name in first:
        assert first[name] != second[name]


def test_write_replay_file_keeps_the_answers_and_the_template(tmp_path):
    answers = {
        **VALID,
        "_template": "gh:org/template",
        "_output_dir": "/somewhere",
        "_copy_without_render": ["*.html"],
        "__prompts__": {"project_name": "Project name"},
    }
    post.write_replay_file(tmp_path, answers)
    recorded = json.loads((tmp_path / ".cookiecutter.json").read_text())
    assert recorded == {"cookiecutter": {**VALID, "_template": "gh:org/template"}}
    # cookiecutter's own replay loader reads it (cookiecutter --replay-file .cookiecutter.json)
    assert load(str(tmp_path), ".cookiecutter")["cookiecutter"] == recorded["cookiecutter"]


def test_next_steps_name_the_directory_and_the_two_commands(tmp_path):
    steps = post.next_steps(answers_for({"project_slug": "blog"}), tmp_path / "blog", tmp_path)
    assert "cd blog\n" in steps
    assert "make run" in steps
    assert "make test" in steps


def test_next_steps_give_the_path_from_the_shell_directory_or_else_the_absolute_one(tmp_path):
    project = tmp_path / "build" / "demo" / "blog"
    assert post.shown_path(project, tmp_path) == "build/demo/blog"
    assert post.shown_path(project, tmp_path / "elsewhere") == str(project)
    assert post.shown_path(project, None) == str(project)
    assert f"  cd {project}\n" in post.next_steps(VALID, project, None)


def test_shell_directory_is_pwd_when_it_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("PWD", str(tmp_path))
    assert post.shell_directory() == tmp_path.resolve()
    monkeypatch.setenv("PWD", str(tmp_path / "gone"))
    assert post.shell_directory() is None
    monkeypatch.delenv("PWD")
    assert post.shell_directory() is None


# pre_gen_project: how to bake again from the saved answers

BAKE_CONTEXT = {**VALID, "_template": ".", "_output_dir": "/work/out", "_repo_dir": ".", "_checkout": None}


def dump_replay(replay_dir, name, answers):
    replay_dir.mkdir(exist_ok=True)
    path = replay_dir / f"{name}.json"
    path.write_text(json.dumps({"cookiecutter": answers, "_cookiecutter": {}}))
    return path


def test_replay_hint_names_the_file_cookiecutter_just_saved_and_the_command(tmp_path):
    dump_replay(tmp_path, "older", {**BAKE_CONTEXT, "project_slug": "old"})
    saved = dump_replay(tmp_path, "my-clone", BAKE_CONTEXT)
    hint = pre.replay_hint(BAKE_CONTEXT, tmp_path, "/work/out")
    assert f"Your answers are saved in {saved}." in hint
    assert hint.splitlines()[-1] == f"  cookiecutter --replay-file {saved} ."


def test_replay_hint_repeats_the_output_dir_when_it_is_not_the_shell_directory(tmp_path):
    saved = dump_replay(tmp_path, "my-clone", BAKE_CONTEXT)
    command = pre.replay_hint(BAKE_CONTEXT, tmp_path, "/home/you").splitlines()[-1]
    assert command == f"  cookiecutter --replay-file {saved} --output-dir /work/out ."


def test_replay_hint_without_the_saved_file_points_at_the_replay_directory(tmp_path):
    dump_replay(tmp_path, "other-template", {**BAKE_CONTEXT, "project_name": "Something else"})
    for replay_dir in (tmp_path, tmp_path / "missing"):
        hint = pre.replay_hint(BAKE_CONTEXT, replay_dir, "/work/out")
        assert "~/.cookiecutter_replay/" in hint
        assert hint.splitlines()[-1] == "  cookiecutter --replay-file '<that file>' ."
