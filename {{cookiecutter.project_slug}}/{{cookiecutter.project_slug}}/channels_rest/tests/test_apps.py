import os
import subprocess
import sys

from django.conf import settings


def test_consumers_modules_are_imported_when_django_starts():
    """A process that never loads the websocket routes (shell, worker) still has its observers."""
    script = "import django, sys; django.setup(); print(*sorted(m for m in sys.modules if m.endswith('.consumers')))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert "{{ cookiecutter.project_slug }}.core.consumers" in result.stdout.split()
