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


@pytest.mark.django_db
def test_yaml_is_the_schema_views_own(client, staff_user):
    """The same text as /api/asyncapi/schema/ for the same server: block descriptions, no YAML anchors."""
    client.force_login(staff_user)
    out, _ = export("--host", "testserver")
    assert out == client.get("/api/asyncapi/schema/").content.decode()
    assert "&id0" not in out


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
