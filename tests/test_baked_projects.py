"""Baked projects run for real: their own test suite, Django's deploy and migration checks, and daphne.

Three representative variants, each against the servers it is configured for: the defaults (SQLite and a
real Redis), PostgreSQL and Redis (both real) with the API Gateway app, and everything optional off (SQLite,
in-memory channel layer).
All of them run with the one shared virtualenv (``project_python``).
"""

import json
import os
import re
import secrets
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from processes import clean_environment, tail
from variants import ALL_OFF

# name: (extra_context, services the variant runs against)
VARIANTS = {
    "defaults": ({}, ("redis",)),
    "postgresql-redis": ({"database": "postgresql", "use_api_gateway": True}, ("postgres", "redis")),
    "all-off": (ALL_OFF, ()),
}


@dataclass
class Variant:
    name: str
    project: Path
    services: dict = field(default_factory=dict)

    def environment(self, **overrides):
        """Where the project's settings find their servers; REQUIRE_SERVICES passes through (CI)."""
        return clean_environment(
            **{**self.services, "REQUIRE_SERVICES": os.environ.get("REQUIRE_SERVICES"), **overrides}
        )


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(request, bake):
    extra_context, services = VARIANTS[request.param]
    found = {}
    if "redis" in services:
        # A Redis database of its own (1, 2...): variants never see channel-layer groups left by another.
        server = request.getfixturevalue("redis_url").rpartition("/")[0]
        found["REDIS_URL"] = f"{server}/{list(VARIANTS).index(request.param) + 1}"
    if "postgres" in services:
        found["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    return Variant(request.param, bake(**extra_context), found)


@pytest.fixture
def database_url(variant, tmp_path, request):
    """A database of its own for a test that migrates and serves: a fresh one on the variant's engine."""
    if "DATABASE_URL" in variant.services:
        return request.getfixturevalue("postgres_database")()
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


def production_environment(variant, database_url, **overrides):
    """The production settings with dummy but well-formed secrets, as a deployment would set them."""
    settings = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ADMIN_URL": f"{secrets.token_hex(8)}/",
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": database_url,
    }
    return variant.environment(**{**settings, **overrides})


def run(python, args, project, environment, timeout=600):
    """Run the shared venv's python in the project; fail the test with the command's output tail if it fails."""
    command = f"$ python {' '.join(args)}  (in {project})"
    try:
        result = subprocess.run(
            [str(python), *args], cwd=project, env=environment, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace") + (expired.stderr or b"").decode(errors="replace")
        pytest.fail(f"{command} still running after {timeout} s\n{tail(output, 80)}", pytrace=False)
    if result.returncode:
        pytest.fail(
            f"{command} exited with {result.returncode}\n{excerpt(result.stdout, result.stderr)}", pytrace=False
        )
    return result


def excerpt(stdout, stderr):
    """The end of a failed command's output, led by pytest's list of failed tests when there is one."""
    failed = [line for line in stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return "\n".join([*failed, "...", tail(stdout, 80), tail(stderr, 80)])


def test_project_test_suite_passes(variant, project_python, record_property):
    # The PostgreSQL and API Gateway variant's suite takes about 6 minutes alone on 2 cores; CI runs it beside
    # the other template tests, so its bound is wider than the default's.
    result = run(project_python, ["-m", "pytest", "-q", "-rfEs"], variant.project, variant.environment(), timeout=1200)
    summary = result.stdout.strip().splitlines()[-1]
    record_property("project_suite", summary)
    assert re.search(r"\d+ passed", summary), tail(result.stdout)
    if os.environ.get("REQUIRE_SERVICES"):
        assert "skipped" not in summary, f"REQUIRE_SERVICES is set but tests were skipped:\n{tail(result.stdout)}"


def test_deploy_check_passes_with_production_settings(variant, project_python, database_url):
    result = run(
        project_python,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        variant.project,
        production_environment(variant, database_url),
    )
    assert "System check identified no issues" in result.stdout


def test_migrations_are_complete(variant, project_python):
    result = run(
        project_python, ["manage.py", "makemigrations", "--check", "--dry-run"], variant.project, variant.environment()
    )
    assert "No changes detected" in result.stdout


def test_daphne_serves_health_and_websocket(variant, project_python, database_url, serve):
    environment = production_environment(
        variant,
        database_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",  # no TLS proxy in front of this daphne
    )
    run(project_python, ["manage.py", "migrate", "--noinput"], variant.project, environment)
    server = serve(variant.project, environment)

    try:
        with urllib.request.urlopen(f"{server.url}/health/", timeout=10) as response:
            status, content_type, body = response.status, response.headers["Content-Type"], response.read()
    except OSError as error:  # urllib's HTTPError and URLError, refused or reset connections
        pytest.fail(f"GET /health/ failed: {error!r}\n{server.process.describe()}", pytrace=False)
    assert status == 200
    assert content_type == "application/json"
    assert json.loads(body) == {"status": "ok", "database": "ok"}

    with connect(f"{server.ws_url}/ws/ping/", origin=server.url, open_timeout=10) as socket:
        socket.send(json.dumps({"hello": "daphne"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong", "echo": {"hello": "daphne"}, "user": None}

    with pytest.raises(InvalidStatus) as rejected:
        connect(f"{server.ws_url}/ws/ping/", origin="http://evil.example", open_timeout=10)
    assert rejected.value.response.status_code == 403, server.process.describe()


def test_hostile_frames_close_nothing(variant, project_python, record_property):
    """The project's hostile-frame corpus, run again on its own to report its size per route."""
    result = run(
        project_python,
        [
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            f"{variant.project.name}/core/tests/test_hostile_frames.py",
        ],
        variant.project,
        variant.environment(),
    )
    lines = [
        line.partition("hostile frames: ")[2] for line in result.stdout.splitlines() if "hostile frames: " in line
    ]
    assert lines, tail(result.stdout)
    record_property("figures", "hostile frames, per route: " + "; ".join(lines))
