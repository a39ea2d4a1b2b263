"""The template's documentation site builds cleanly, documents every prompt, and its commands run as written."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from cookiecutter_cli import clone_of_the_template, shell_environment

from processes import BackgroundProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
PROMPTS_PAGE = ROOT / "docs" / "prompts.md"
GETTING_STARTED = ROOT / "docs" / "getting-started.md"


def prompt_sections():
    """Map each ``## `key` `` heading of the prompts page to the text under it."""
    parts = re.split(r"^## `([a-z_]+)`\s*$", PROMPTS_PAGE.read_text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def answers():
    context = json.loads((ROOT / "cookiecutter.json").read_text())
    return {key: value for key, value in context.items() if not key.startswith("_")}


def test_every_prompt_is_documented_in_order():
    assert list(prompt_sections()) == list(answers())


def test_documented_defaults_and_choices_match_cookiecutter_json():
    sections = prompt_sections()
    for key, default in answers().items():
        text = sections[key]
        if isinstance(default, list):
            for choice in default:
                assert f"`{choice}`" in text, f"{key}: choice {choice!r} is not documented"
            assert f"`{default[0]}` (default)" in text, f"{key}: the default {default[0]!r} is not marked"
        elif isinstance(default, bool):
            assert f"Default: `{json.dumps(default)}`" in text, f"{key}: default {default} is not documented"
        elif "{{" in default:
            assert "Default: derived from" in text, f"{key}: the derived default is not explained"
        else:
            assert f"Default: `{default}`" in text, f"{key}: default {default!r} is not documented"


def test_docs_site_builds_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "prompts" / "index.html").is_file()


def run_in_shell(commands, cwd, home, typed=None):
    result = subprocess.run(
        commands,
        shell=True,
        input=typed,
        cwd=cwd,
        env=shell_environment(cwd, home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"$ {commands}\n{result.stdout}{result.stderr}"
    return result.stdout


def test_getting_started_commands_run_as_written_in_a_clone(tmp_path):
    """Every cookiecutter command of the guide, run in a clone; the project lands where the guide says."""
    bake, no_input_bake, run, *_, rebake = re.findall(r"```sh\n(.*?)```", GETTING_STARTED.read_text(), re.DOTALL)
    clone, home = clone_of_the_template(tmp_path / "src"), tmp_path / "home"
    interactive = bake.splitlines()[-1]
    assert interactive.startswith("cookiecutter ")
    printed = run_in_shell(interactive, clone, home, typed="\n" * 20)  # Enter at every prompt
    assert f"  cd {tmp_path / 'src' / 'realtime_site'}\n" in printed
    printed = run_in_shell(no_input_bake, clone, home)
    project = tmp_path / "src" / "team_chat"
    assert f"  cd {project}\n" in printed
    assert run.splitlines()[0] == "cd ../team_chat"
    assert (project / "manage.py").is_file()
    run_in_shell(rebake, clone, home)  # bakes the recorded answers again, and the diff finds no change


def test_readme_and_guide_bake_from_a_path_and_explain_the_hosted_form():
    for text in (ROOT.joinpath("README.md").read_text(), GETTING_STARTED.read_text()):
        assert "<org>" not in text and "<repo>" not in text
        assert "cookiecutter . --output-dir .." in text
        assert "`cookiecutter gh:OWNER/REPO` is" in text.replace("\n", " ")
        assert "https://github.com/OWNER/REPO.git" in text


def test_make_demo_keeps_its_bake_and_repeats_the_accounts_once_the_server_is_up(tmp_path):
    """``make demo`` run on a stand-in for a demo baked earlier: a project whose ``make run`` prints the
    accounts, then serves; the real demo's pip install and Django start would take minutes."""
    demo = tmp_path / "demo" / "realtime_site"
    (demo / ".venv" / "bin").mkdir(parents=True)
    (demo / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (demo / ".cookiecutter.json").write_text("{}\n")
    (demo / "manage.py").write_text('print("  username ada  password kept")\n')
    (demo / "Makefile").write_text(
        "run:\n"
        "\t@.venv/bin/python manage.py seed_demo\n"
        "\t@exec .venv/bin/python -m http.server --bind $(HOST) $(PORT)\n"
    )
    port = free_port()
    make = BackgroundProcess(
        ["make", "--no-print-directory", "demo", f"DEMO_DIR={demo.parent}", f"PORT={port}"],
        tmp_path / "make.log",
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        make.wait_until(lambda: "The demo runs on" in make.log(), "make demo")
    finally:
        os.killpg(make.process.pid, signal.SIGTERM)
        make.process.wait(30)
    log = make.log()
    assert "cookiecutter" not in log, "make demo baked again over the kept demo"
    assert (demo / ".cookiecutter.json").read_text() == "{}\n"
    after_start = log[log.index("\n", log.index("password kept")) :]
    assert "username ada  password kept" in after_start, log
    assert f"The demo runs on http://127.0.0.1:{port}/" in after_start
