"""The chat tutorial cannot drift from the code it explains.

Every Python, HTML, JavaScript or CSS block of docs/chat-tutorial.md sits right under a line naming its file
(**`path`**, relative to the baked project) and must appear there verbatim in a default bake, where the
project's tests exercise it. Blocks of other languages (frames, shell commands) name no file; JSON ones
must at least be valid JSON.
"""

import json
import re

import pytest

from variants import TEMPLATE

TUTORIAL = TEMPLATE / "docs" / "chat-tutorial.md"
CODE_LANGUAGES = {"python", "html", "django", "javascript", "js", "css"}
BLOCK = re.compile(r"(?:^\*\*`(?P<path>[^`]+)`\*\*\n\n)?^```(?P<language>\w*)\n(?P<code>.*?)^```$", re.S | re.M)


def blocks():
    return [match.groupdict() for match in BLOCK.finditer(TUTORIAL.read_text())]


def test_the_tutorial_has_code_from_every_chat_module():
    paths = {block["path"] for block in blocks()}
    for module in ("models.py", "serializers.py", "consumers.py", "routing.py", "views.py", "urls.py"):
        assert f"realtime_site/chat/{module}" in paths
    assert {"realtime_site/templates/chat/room.html", "realtime_site/static/chat/room.js"} <= paths


@pytest.mark.parametrize("block", blocks(), ids=lambda block: block["path"] or block["language"] or "text")
def test_every_code_block_is_in_the_baked_project(bake, block):
    if block["language"] not in CODE_LANGUAGES:
        assert block["path"] is None, "only code blocks name a file"
        if block["language"] == "json":
            json.loads(block["code"])
        return
    assert block["path"], f"this {block['language']} block names no file:\n{block['code']}"
    source = (bake() / block["path"]).read_text()
    assert block["code"] in source, f"{block['path']} no longer contains:\n{block['code']}"
