"""The template's documentation site builds cleanly and documents every prompt."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPTS_PAGE = ROOT / "docs" / "prompts.md"


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
