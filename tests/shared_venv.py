"""One virtualenv that can run every baked project, shared by all variants and all xdist workers.

Installing Django, Channels, psycopg, Playwright... per variant would dominate the run time, and the
variants differ only in which of those they import. So the venv holds the union of the projects'
dependencies (the bake with every option on declares all of them), is built once under a file lock,
and is rebuilt only when that union, or the Python that builds it, changes (a stamp file records both).
The projects are not installed into it: each runs from its own directory (``python -m pytest``,
``python manage.py``), which puts that directory first on ``sys.path``.
"""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from filelock import FileLock

from processes import tail


def project_requirements(pyproject):
    """``[project].dependencies`` plus the ``dev`` extra of a baked project's pyproject.toml."""
    project = tomllib.loads(Path(pyproject).read_text())["project"]
    return sorted({*project["dependencies"], *project.get("optional-dependencies", {}).get("dev", [])})


def ensure_venv(directory, requirements, python=sys.executable):
    """Return the python of a venv at ``directory`` holding ``requirements``, building it if needed."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    stamp = directory / "requirements.json"
    wanted = json.dumps({"python": sys.version, "requirements": sorted(requirements)}, indent=2)
    venv_python = directory / "bin" / "python"
    with FileLock(str(directory) + ".lock"):
        if venv_python.exists() and stamp.exists() and stamp.read_text() == wanted:
            return venv_python
        shutil.rmtree(directory, ignore_errors=True)
        run([python, "-m", "venv", directory])
        requirements_file = directory / "requirements.txt"
        requirements_file.write_text("\n".join(requirements) + "\n")
        run([venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements_file])
        stamp.write_text(wanted)  # written last: an interrupted build is redone next time
    return venv_python


def run(args):
    args = [str(arg) for arg in args]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode:
        output = f"{tail(result.stdout)}\n{tail(result.stderr)}"
        raise RuntimeError(f"$ {' '.join(args)} exited with {result.returncode}\n{output}")
