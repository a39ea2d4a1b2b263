"""Fixtures of the template's test suite.

Session fixtures (per pytest process: each xdist worker has its own servers and bakes):

- ``bake(**extra_context) -> Path``: the baked project directory; each distinct context is baked once per
  session and the same directory is returned afterwards (treat it as shared: tests may run the project in it).
- ``project_python -> Path``: the python of ONE virtualenv with every baked project's dependencies,
  ``build/baked-venv``, shared by all variants and workers (built under a file lock, rebuilt when the
  dependency union changes). Run a baked project with it from the project directory.
- ``redis_url -> str``: ``redis://127.0.0.1:<port>/0`` of a redis-server started for this session.
- ``postgres_url -> str``: a fresh database created for this session on a PostgreSQL cluster started for
  this session (``postgres://postgres@127.0.0.1:<port>/<name>``, trust authentication).
- ``postgres_database() -> str``: creates another fresh database on that cluster per call, for tests that
  must not share one.
- ``asyncapi_parser -> asyncapi_parser.AsyncAPIParser``: the pinned official AsyncAPI parser, installed with npm
  into ``build/npm/asyncapi-parser`` (once, under a file lock); ``.validate(paths)`` runs it in one node process.

Function fixtures:

- ``redis_server -> services.RedisServer``: a redis-server of this test's own, which it may ``halt()`` and
  ``start()`` again on the same port (``.url``), stopped when the test ends.
- ``own_postgres_server -> services.PostgresServer``: a PostgreSQL cluster of this test's own
  (``create_database()`` gives a database URL), which it may ``halt()`` and ``start()`` again on the same
  port and data directory, stopped when the test ends.
- ``serve(project_dir, environment) -> Server``: daphne serving ``config.asgi:application`` of a baked
  project on a free loopback port (``server.url``, ``server.ws_url``), stopped when the test ends.

When redis-server, the PostgreSQL binaries or node are missing, the tests that need them are skipped, or fail when
the environment variable REQUIRE_SERVICES is set (CI sets it), like the generated project's own suite.
"""

import json
import os
from dataclasses import dataclass

import pytest

from asyncapi_parser import AsyncAPIParser, node_is_installed
from processes import BackgroundProcess, free_port, port_is_open
from services import PostgresServer, RedisServer, find_postgres_bin, find_redis_server
from shared_venv import ensure_venv, project_requirements
from variants import ALL_ON, TEMPLATE, bake_timed, variant_id

BAKED_VENV = TEMPLATE / "build" / "baked-venv"


def require_service(reason):
    """Skip a test that needs a missing service, or fail it when REQUIRE_SERVICES is set (CI)."""
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set, so this cannot be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def bake(cookies_session):
    baked = {}

    def bake_once(**extra_context):
        key = json.dumps(extra_context, sort_keys=True)
        if key not in baked:
            result, _ = bake_timed(cookies_session, extra_context)
            if result.exception is not None:
                pytest.fail(f"baking {variant_id(extra_context)} failed: {result.exception!r}")
            baked[key] = result.project_path
        return baked[key]

    return bake_once


@pytest.fixture(scope="session")
def project_python(bake):
    return ensure_venv(BAKED_VENV, project_requirements(bake(**ALL_ON) / "pyproject.toml"))


def start_redis():
    executable = find_redis_server()
    if executable is None:
        require_service("redis-server is not installed (apt-get install redis-server)")
    return RedisServer(executable)


@pytest.fixture(scope="session")
def redis_url():
    server = start_redis()
    yield server.url
    server.stop()


@pytest.fixture
def redis_server():
    server = start_redis()
    yield server
    server.stop()


def start_postgres():
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        require_service("PostgreSQL's initdb/postgres/createdb are not installed (apt-get install postgresql)")
    return PostgresServer(bin_dir)


@pytest.fixture(scope="session")
def postgres_server():
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture
def own_postgres_server():
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server):
    return postgres_server.create_database()


@pytest.fixture(scope="session")
def postgres_database(postgres_server):
    return postgres_server.create_database


@pytest.fixture(scope="session")
def asyncapi_parser():
    if not node_is_installed():
        require_service("node and npm are not installed (apt-get install nodejs npm)")
    return AsyncAPIParser().install()


@dataclass
class Server:
    port: int
    process: BackgroundProcess

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"


@pytest.fixture
def serve(project_python, tmp_path):
    servers = []

    def start(project_dir, environment):
        port = free_port()
        process = BackgroundProcess(
            [project_python, "-m", "daphne", "--bind", "127.0.0.1", "--port", port, "config.asgi:application"],
            tmp_path / f"daphne-{port}.log",
            cwd=project_dir,
            env=environment,
        )
        servers.append(process)
        process.wait_until(lambda: port_is_open(port), "daphne")
        return Server(port, process)

    yield start
    for process in servers:
        process.stop()


# Figures reported at the end of the run. Tests record them as user properties, which xdist carries from
# the workers to this (controlling) process with each test report.
REPORTED = {"bake_seconds": {}, "project_suite": {}, "figures": {}, "asyncapi": {}}


def pytest_runtest_logreport(report):
    for name, value in report.user_properties:
        if name in REPORTED:
            REPORTED[name][report.nodeid.rpartition("[")[2].rstrip("]")] = value


def pytest_terminal_summary(terminalreporter):
    bake_seconds, project_suites = REPORTED["bake_seconds"], REPORTED["project_suite"]
    if bake_seconds:
        terminalreporter.section("bake time per variant")
        for variant, seconds in sorted(bake_seconds.items(), key=lambda item: item[1]):
            terminalreporter.write_line(f"{seconds:6.2f} s  {variant}")
        mean = sum(bake_seconds.values()) / len(bake_seconds)
        terminalreporter.write_line(f"{mean:6.2f} s  mean of {len(bake_seconds)} variants")
    if project_suites:
        terminalreporter.section("baked projects' own test suites")
        for variant, summary in sorted(project_suites.items()):
            terminalreporter.write_line(f"{variant}: {summary}")
    if REPORTED["figures"]:
        terminalreporter.section("measured")
        for test, line in sorted(REPORTED["figures"].items()):
            terminalreporter.write_line(f"{test}: {line}")
    if REPORTED["asyncapi"]:
        terminalreporter.section("AsyncAPI documents: the official parser's verdict")
        for documents in REPORTED["asyncapi"].values():
            for document, line in sorted(documents.items()):
                terminalreporter.write_line(f"{document}: {line}")
