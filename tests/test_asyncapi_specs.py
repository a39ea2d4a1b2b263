"""Every AsyncAPI document a baked site can produce is valid for the official parser (0 errors).

Each supported combination with the AsyncAPI docs on is baked once and exports its document with
``manage.py export_asyncapi --format json`` (the generator the schema view serves); the bake with every
consumer (all-on) also exports each consumer's document alone (``--consumer <label>``). The pinned
``@asyncapi/parser`` then validates all of them in one node process. A hand-written document, valid and
then broken in the ways a generator can break it, shows the harness reports errors rather than passing
vacuously.
"""

import copy
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from processes import clean_environment, tail
from variants import ALL_ON, SUPPORTED_COMBINATIONS, answers_for, variant_id

ASYNCAPI_COMBINATIONS = [
    combination for combination in SUPPORTED_COMBINATIONS if answers_for(combination)["use_asyncapi_docs"]
]


@dataclass
class Export:
    """One exported document: ``name`` says which combination (and consumer) produced it."""

    name: str
    file: Path
    failure: str | None = None


def export(project_python, project, file, *options):
    """Write ``export_asyncapi --format json``'s output to ``file``; return why it failed, or None."""
    args = ["manage.py", "export_asyncapi", "--format", "json", *options]
    command = f"$ python {' '.join(args)}  (in {project})"
    result = subprocess.run(
        [str(project_python), *args],
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        return f"{command} exited with {result.returncode}\n{tail(result.stdout, 20)}\n{tail(result.stderr, 40)}"
    try:
        json.loads(result.stdout)
    except ValueError as error:
        return f"{command} did not print a JSON document: {error}\n{tail(result.stdout, 20)}"
    file.write_text(result.stdout)
    return None


def channel_labels(file):
    return list(json.loads(file.read_text()).get("channels", {}))


@pytest.fixture(scope="module")
def exported(asyncapi_parser, bake, project_python, tmp_path_factory):
    """Every combination's document, then all-on's per-consumer documents; (exports, seconds taken)."""
    started = time.perf_counter()
    directory = tmp_path_factory.mktemp("asyncapi")
    exports = []
    for index, combination in enumerate(ASYNCAPI_COMBINATIONS):
        project = bake(**combination)
        whole = Export(variant_id(combination), directory / f"{index}.json")
        whole.failure = export(project_python, project, whole.file)
        exports.append(whole)
        if combination == ALL_ON and whole.failure is None:
            for label in channel_labels(whole.file):
                alone = Export(f"{whole.name} --consumer {label}", directory / f"{index}-{label}.json")
                alone.failure = export(project_python, project, alone.file, "--consumer", label)
                exports.append(alone)
    return exports, time.perf_counter() - started


def test_every_exported_document_is_valid(exported, asyncapi_parser, record_property):
    exports, export_seconds = exported
    started = time.perf_counter()
    validations = asyncapi_parser.validate([item.file for item in exports if item.failure is None])
    parser_seconds = time.perf_counter() - started

    verdicts, problems = {}, []
    for item in exports:
        if item.failure is not None:
            verdicts[item.name] = "export failed"
            problems.append(f"{item.name}: {item.failure}")
            continue
        validation = validations[item.file]
        counts = validation.counts or {}
        verdicts[item.name] = (
            f"{counts.get('channels', '?')} channels, {counts.get('operations', '?')} operations, "
            f"{counts.get('messages', '?')} messages; {validation.verdict}"
        )
        problems.extend(f"{item.name}: {error}" for error in validation.errors)
        if not validation.parsed and not validation.errors:
            problems.append(f"{item.name}: the parser returned no document and no error")
    record_property("asyncapi", verdicts)
    record_property(
        "figures",
        f"AsyncAPI: {len(exports)} documents of {len(ASYNCAPI_COMBINATIONS)} combinations, "
        f"baked and exported in {export_seconds:.1f} s, validated by @asyncapi/parser "
        f"{asyncapi_parser.version} in {parser_seconds:.1f} s",
    )
    assert len(ASYNCAPI_COMBINATIONS) > 1, "no combination has the AsyncAPI docs on"
    assert not problems, f"{len(problems)} problems in the exported AsyncAPI documents:\n" + "\n".join(problems)


# A small document of the generator's shape: an action as a receive operation with its reply, an observer
# event as a send operation, a path parameter, schemas and messages hoisted into components.
VALID_DOCUMENT = {
    "asyncapi": "3.0.0",
    "info": {"title": "WebSocket API", "version": "1.0.0"},
    "servers": {
        "default": {
            "host": "localhost:8000",
            "protocol": "ws",
            "security": [{"$ref": "#/components/securitySchemes/session"}],
        }
    },
    "channels": {
        "chat-room": {
            "address": "/ws/chat/{room}/",
            "parameters": {"room": {"description": "The room's slug."}},
            "messages": {
                "join": {"$ref": "#/components/messages/join"},
                "reply": {"$ref": "#/components/messages/reply"},
                "message_created": {"$ref": "#/components/messages/message_created"},
            },
        }
    },
    "operations": {
        "chat-room.join": {
            "action": "receive",
            "channel": {"$ref": "#/channels/chat-room"},
            "messages": [{"$ref": "#/channels/chat-room/messages/join"}],
            "reply": {
                "channel": {"$ref": "#/channels/chat-room"},
                "messages": [{"$ref": "#/channels/chat-room/messages/reply"}],
            },
        },
        "chat-room.message_created": {
            "action": "send",
            "channel": {"$ref": "#/channels/chat-room"},
            "messages": [{"$ref": "#/channels/chat-room/messages/message_created"}],
        },
    },
    "components": {
        "securitySchemes": {"session": {"type": "httpApiKey", "in": "cookie", "name": "sessionid"}},
        "schemas": {
            "Join": {
                "type": "object",
                "required": ["action"],
                "properties": {"action": {"type": "string", "const": "join"}, "request_id": {}},
            },
            "Message": {"type": "object", "properties": {"text": {"type": "string", "maxLength": 2000}}},
        },
        "messages": {
            "join": {
                "payload": {"$ref": "#/components/schemas/Join"},
                "correlationId": {"location": "$message.payload#/request_id"},
                "examples": [{"name": "join", "payload": {"action": "join", "request_id": 1}}],
            },
            "reply": {
                "payload": {
                    "type": "object",
                    "required": ["action", "errors", "data", "response_status", "request_id"],
                    "properties": {
                        "action": {"type": "string"},
                        "errors": {"type": "array"},
                        "data": {},
                        "response_status": {"type": "integer"},
                        "request_id": {},
                    },
                },
                "correlationId": {"location": "$message.payload#/request_id"},
            },
            "message_created": {"payload": {"$ref": "#/components/schemas/Message"}},
        },
    },
}


def broken(change):
    document = copy.deepcopy(VALID_DOCUMENT)
    change(document)
    return document


# name: (broken document, where the parser must report an error (path joined by "/"), words of its message)
BROKEN_DOCUMENTS = {
    "dangling-ref": (
        broken(lambda d: d["channels"]["chat-room"]["messages"].update(join={"$ref": "#/components/messages/gone"})),
        "operations/chat-room.join/messages/0/$ref",
        "'#/components/messages/gone' does not exist",
    ),
    "client-side-action": (
        broken(lambda d: d["operations"]["chat-room.join"].update(action="publish")),
        "operations/chat-room.join/action",
        '"send", "receive"',
    ),
    "message-of-another-channel": (
        broken(lambda d: d["operations"]["chat-room.join"].update(messages=[{"$ref": "#/components/messages/join"}])),
        "operations/chat-room.join/messages/0",
        "does not belong to the specified channel",
    ),
    "undeclared-parameter": (
        broken(lambda d: d["channels"]["chat-room"].update(address="/ws/chat/{room}/{page}/")),
        "channels/chat-room/parameters",
        "Missed: page",
    ),
    "no-info": (broken(lambda d: d.pop("info")), "", 'required property "info"'),
}


def test_the_parser_accepts_a_valid_document_and_reports_broken_ones(asyncapi_parser, tmp_path):
    files = {"valid": tmp_path / "valid.json"}
    files["valid"].write_text(json.dumps(VALID_DOCUMENT))
    for name, (document, *_) in BROKEN_DOCUMENTS.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(document))
    (tmp_path / "not-json.json").write_text('{"asyncapi": "3.0.0", ')
    files["not-json"] = tmp_path / "not-json.json"

    validations = asyncapi_parser.validate(files.values())

    valid = validations[files["valid"]]
    assert valid.errors == [], "\n".join(map(str, valid.errors))
    assert valid.parsed
    assert valid.counts == {"channels": 1, "operations": 2, "messages": 3}
    for name, (_, path, words) in BROKEN_DOCUMENTS.items():
        validation = validations[files[name]]
        said = "\n".join(map(str, validation.diagnostics))
        assert any("/".join(error.path) == path and words in error.message for error in validation.errors), (
            f"{name}: no error {words!r} at {path!r}; the parser said:\n{said}"
        )
        assert not validation.parsed, name
    assert validations[files["not-json"]].errors, "a truncated document must not validate"
