"""The generated project's documentation: the websocket guide's examples run as written, every docs page a
file mentions ships with the project, and the test suite says why it skipped a test, which the README tells how
to run."""

import re
import subprocess
from pathlib import Path

import pytest

from cookiecutter.main import cookiecutter

from processes import clean_environment, tail
from variants import ALL_OFF, TEMPLATE, variant_id


def test_websocket_guide_examples_run(tmp_path, project_python):
    project = tmp_path / cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path)).split("/")[-1]
    guide = (project / "docs" / "websockets.md").read_text()
    consumer, tests = re.findall(r"```python\n(.*?)```", guide, flags=re.DOTALL)
    core = project / "realtime_site" / "core"
    (core / "members.py").write_text(consumer)
    (core / "tests" / "test_members_guide.py").write_text(tests)
    routing = core / "routing.py"
    routing.write_text(
        routing.read_text()
        .replace(
            "from .consumers import PingConsumer",
            "from .consumers import PingConsumer\nfrom .members import MemberConsumer",
        )
        .replace(
            "websocket_urlpatterns = [",
            'websocket_urlpatterns = [\n    path("ws/members/", MemberConsumer.as_asgi()),',
        )
    )
    result = subprocess.run(
        [
            project_python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "realtime_site/core/tests/test_members_guide.py",
        ],
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, tail(result.stdout + result.stderr)
    assert "2 passed" in result.stdout


def test_skipped_tests_say_which_service_they_need_and_the_readme_how_to_run_them(tmp_path, project_python):
    project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path)))
    environment = clean_environment()
    environment.pop("REQUIRE_SERVICES", None)  # this test is about the skip itself
    result = subprocess.run(
        [project_python, "-m", "pytest", "realtime_site/core/tests/test_redis_layer.py"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, tail(result.stdout + result.stderr)
    assert "SKIPPED [1] " in result.stdout
    assert "REDIS_URL is not set" in result.stdout
    readme = (project / "README.md").read_text()
    assert "`REDIS_URL=redis://127.0.0.1:6379/0 make test`" in readme
    assert "CHROMIUM_PATH=" in readme
    assert "`REQUIRE_SERVICES=1 make test`" in readme


# A mention of a docs page: "docs/websockets.md", or a page of the template's own docs such as "docs/framework/x.md".
DOCS_PAGE = re.compile(r"\bdocs/[\w./-]+?\.md\b")


@pytest.mark.parametrize("extra_context", [{}, ALL_OFF], ids=variant_id)
def test_every_docs_page_a_file_mentions_ships_with_the_project(tmp_path, extra_context):
    project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path), extra_context=extra_context))
    missing = {}
    for path in sorted(project.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for page in DOCS_PAGE.findall(text):
            if not (project / page).is_file():
                missing.setdefault(page, []).append(str(path.relative_to(project)))
    assert not missing, f"docs pages mentioned but not in the project: {missing}"
