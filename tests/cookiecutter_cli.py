"""The cookiecutter command as a user runs it: from a shell, in a clone of the template."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from layout import PROJECT_TEMPLATE

from variants import TEMPLATE

BIN = Path(sys.executable).parent
BAKE_INPUTS = {"cookiecutter.json", "hooks", PROJECT_TEMPLATE.name}


def clone_of_the_template(directory):
    """A copy of what a bake reads, as ``directory/my-clone`` (the name a clone could have)."""
    return shutil.copytree(
        TEMPLATE,
        directory / "my-clone",
        ignore=lambda parent, names: (
            [name for name in names if Path(parent) == TEMPLATE and name not in BAKE_INPUTS]
            + [name for name in names if name == "__pycache__"]
        ),
    )


def shell_environment(cwd, home):
    """A shell's environment in ``cwd`` ($PWD), with cookiecutter on PATH and a replay directory under ``home``."""
    return {**os.environ, "HOME": str(home), "PWD": str(cwd), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def run_cookiecutter(arguments, cwd, home, typed=None):
    return subprocess.run(
        [BIN / "cookiecutter", *arguments],
        input=typed,
        cwd=cwd,
        env=shell_environment(cwd, home),
        capture_output=True,
        text=True,
        timeout=120,
    )
