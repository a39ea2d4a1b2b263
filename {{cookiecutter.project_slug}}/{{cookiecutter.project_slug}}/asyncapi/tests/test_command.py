"""``manage.py export_asyncapi``: the document for CI and client generators."""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command


def export(*args):
    out, err = StringIO(), StringIO()
    call_command("export_asyncapi", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_yaml_on_stdout_by_default_with_a_warning_for_plain_consumers():
    out, err = export()
    document = yaml.safe_load(out)
    assert document["asyncapi"] == "3.0.0"
    assert "ping" in document["channels"]
    assert "PingConsumer" in err


def test_json_to_a_file_for_chosen_consumers(tmp_path):
    target = tmp_path / "asyncapi.json"
    out, _ = export(
        "--format", "json", "-o", str(target), "--consumer", "ping", "--host", "example.com", "--protocol", "wss"
    )
    assert out == ""
    document = json.loads(target.read_text())
    assert list(document["channels"]) == ["ping"]
    assert document["servers"]["default"]["host"] == "example.com"
    assert document["servers"]["default"]["protocol"] == "wss"


def test_an_unknown_consumer_is_an_error_naming_the_routes():
    with pytest.raises(CommandError, match="ping"):
        export("--consumer", "nope")
