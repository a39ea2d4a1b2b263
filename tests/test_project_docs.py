"""The generated project's websocket guide: its example consumer and tests run as written."""

import re
import subprocess

from cookiecutter.main import cookiecutter

from processes import clean_environment, tail
from variants import TEMPLATE


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
