"""The official AsyncAPI parser (``@asyncapi/parser`` from npm) as a validator for generated documents.

The parser is what AsyncAPI tooling itself runs (the specification's JSON Schema plus its Spectral rules),
so "valid" here means what it means to every consumer of the document. It is installed with npm, pinned,
into ``build/npm/asyncapi-parser`` under a file lock shared by all xdist workers, and reinstalled only when
the pin changes. Starting node and loading the parser costs about a second, so every document of a run is
validated by one node process (``asyncapi_validate.mjs``).
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from processes import tail
from variants import TEMPLATE

PARSER_PACKAGE = "@asyncapi/parser"
PARSER_VERSION = "3.6.6"
INSTALL_DIR = TEMPLATE / "build" / "npm" / "asyncapi-parser"
VALIDATE_SCRIPT = Path(__file__).with_name("asyncapi_validate.mjs")

# The parser's severities (Spectral's DiagnosticSeverity).
SEVERITIES = ("error", "warning", "information", "hint")
ERROR = 0


def node_is_installed():
    return shutil.which("node") is not None and shutil.which("npm") is not None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: int
    path: tuple
    message: str

    def __str__(self):
        where = "/".join(self.path) or "(document)"
        return f"{SEVERITIES[self.severity]} at {where}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class Validation:
    """The parser's verdict on one document; ``counts`` (channels, operations, messages) when it parsed."""

    file: Path
    parsed: bool
    counts: dict | None
    diagnostics: tuple

    @property
    def errors(self):
        return [diagnostic for diagnostic in self.diagnostics if diagnostic.severity == ERROR]

    @property
    def warnings(self):
        return [diagnostic for diagnostic in self.diagnostics if diagnostic.severity == ERROR + 1]

    @property
    def verdict(self):
        if self.errors:
            return f"INVALID, {len(self.errors)} errors"
        return f"valid, {len(self.warnings)} warnings"


class AsyncAPIParser:
    """``validate(paths)``: the pinned parser's verdict on each document, in one node process."""

    def __init__(self, directory=INSTALL_DIR):
        self.directory = Path(directory)
        self.version = PARSER_VERSION

    def install(self):
        """Install the pinned parser into ``directory`` unless it is already there; return self."""
        manifest = json.dumps(
            {"private": True, "dependencies": {PARSER_PACKAGE: PARSER_VERSION}},
            indent=2,
        )
        stamp = self.directory / "installed.json"
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.directory) + ".lock"):
            if stamp.exists() and stamp.read_text() == manifest:
                return self
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.mkdir()
            (self.directory / "package.json").write_text(manifest)
            run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev"], self.directory)
            stamp.write_text(manifest)  # written last: an interrupted install is redone next time
        return self

    def validate(self, paths):
        """``{path: Validation}`` for every document in ``paths``."""
        paths = [Path(path) for path in paths]
        result = run(["node", VALIDATE_SCRIPT, self.directory, *paths], self.directory)
        lines = result.stdout.splitlines()
        if len(lines) != len(paths):
            raise RuntimeError(f"the validator reported {len(lines)} of {len(paths)} documents\n{tail(result.stdout)}")
        validations = {}
        for path, line in zip(paths, lines, strict=True):
            reported = json.loads(line)
            diagnostics = tuple(
                Diagnostic(item["code"], item["severity"], tuple(item["path"]), item["message"])
                for item in reported["diagnostics"]
            )
            validations[path] = Validation(path, reported["parsed"], reported["counts"], diagnostics)
        return validations


def run(args, cwd):
    args = [str(arg) for arg in args]
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    if result.returncode:
        raise RuntimeError(
            f"$ {' '.join(args)} exited with {result.returncode}\n{tail(result.stdout)}\n{tail(result.stderr)}"
        )
    return result
