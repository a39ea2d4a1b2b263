"""The machinery of the browser tests: the site served by daphne in its own process, and the ORM beside Playwright.

The server runs in a separate process, as in production, against this test run's database (a file for
SQLite, see config/settings/test.py; the test database on PostgreSQL) and channel layer (REDIS_URL is
inherited). Its listening socket is opened here and handed down, so that a test can stop the server and
start it again on the same address while the browser keeps its page open.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections

# Debian's Chromium by default; CHROMIUM_PATH points elsewhere (e.g. /usr/bin/google-chrome on GitHub runners).
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 60  # seconds for daphne to answer /health/


def in_thread(function, *args, **kwargs):
    """``function(*args, **kwargs)`` in a thread of its own, which closes its database connection after it.

    For the ORM next to Playwright's event loop, and so no connection outlives the test (PostgreSQL
    refuses to drop a test database that still has one).
    """

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def database_url(database):
    """A DATABASE_URL naming the database this process is connected to (the test database)."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    if database["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"], safe="")
        port = f":{database['PORT']}" if database["PORT"] else ""
        return f"postgres://{credentials}@{database['HOST'] or 'localhost'}{port}/{quote(database['NAME'], safe='')}"
    raise NotImplementedError(f"no DATABASE_URL for {database['ENGINE']}")


class LiveServer:
    """daphne serving config.asgi:application on a socket that outlives it."""

    def __init__(self, log_path):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.log_path = log_path
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(connection.settings_dict),
        }
        self.process = None

    def start(self):
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "--fd", str(self.listener.fileno()), "config.asgi:application"],
                cwd=settings.BASE_DIR,
                env=self.environment,
                pass_fds=[self.listener.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"daphne did not start:\n{self.log()}")
            time.sleep(0.1)

    def answers(self):
        try:
            with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return self.log_path.read_text(errors="replace")[-10000:]
