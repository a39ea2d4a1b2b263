"""Real Redis and PostgreSQL servers for the tests, each on a free loopback port in its own temporary directory.

They never touch the default ports (6379, 5432): a server that a distribution package starts on install,
or another test run, cannot interfere. Data, unix sockets and logs live in the temporary directory, which
``stop()`` removes.
"""

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from processes import BackgroundProcess, free_port

POSTGRES_TOOLS = ("initdb", "postgres", "pg_isready", "createdb")


def find_redis_server():
    return shutil.which("redis-server")


def find_postgres_bin():
    """The directory holding initdb, postgres and the client tools, or None.

    Debian keeps them in /usr/lib/postgresql/<major>/bin, off PATH; other systems put them on PATH or in
    /usr/local/bin (often as symlinks, which are followed to the directory that has the client tools too).
    """
    versioned = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates = [shutil.which("initdb"), *versioned, "/usr/local/bin/initdb", "/usr/local/pgsql/bin/initdb"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            directory = Path(candidate).resolve().parent
            if all((directory / tool).exists() for tool in POSTGRES_TOOLS):
                return directory
    return None


def unprivileged_account():
    """The account to run PostgreSQL as: None when we are not root (run as ourselves).

    PostgreSQL refuses to run as root. Debian's postgresql package creates the ``postgres`` system user;
    ``nobody`` is the fallback on systems without it.
    """
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' account exists to run PostgreSQL")


class RedisServer:
    """redis-server without persistence: ``halt()`` then ``start()`` restarts it on the same port, every key lost."""

    def __init__(self, executable):
        self.executable = executable
        self.directory = Path(tempfile.mkdtemp(prefix="redis-test-"))
        self.port = free_port()
        self.starts = 0
        self.process = None
        try:
            self.start()
        except Exception:
            self.stop()
            raise

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.starts += 1
        self.process = BackgroundProcess(
            [
                self.executable,
                "--port", self.port,
                "--bind", "127.0.0.1",
                "--unixsocket", self.directory / "redis.sock",
                "--dir", self.directory,
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
            ],
            self.directory / f"redis-{self.starts}.log",
        )  # fmt: skip
        self.process.wait_until(self.answers_ping, "redis-server")

    def answers_ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def halt(self):
        """Stop the server process, keeping its port and directory for ``start()``."""
        if self.process is not None:
            self.process.stop()

    def stop(self):
        self.halt()
        shutil.rmtree(self.directory, ignore_errors=True)


class PostgresServer:
    """A throw-away cluster: initdb with trust authentication for the ``postgres`` role, then postgres.

    Durability is switched off (fsync, synchronous_commit, full_page_writes): the data dies with the test run.
    ``halt()`` then ``start()`` restarts it on the same port and data directory, its databases kept.
    """

    superuser = "postgres"

    def __init__(self, bin_dir):
        self.bin_dir = Path(bin_dir)
        self.directory = Path(tempfile.mkdtemp(prefix="postgres-test-"))
        self.port = free_port()
        self._names = itertools.count(1)
        self.starts = 0
        self.process = None
        account = unprivileged_account()
        self.as_account = {}
        if account is not None:
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            self.as_account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        initdb = subprocess.run(
            [
                self.bin_dir / "initdb",
                "--pgdata", self.directory / "data",
                "--username", self.superuser,
                "--auth", "trust",
                "--encoding", "UTF8",
                "--locale", "C",
                "--no-sync",
            ],
            cwd=self.directory,
            capture_output=True,
            text=True,
            **self.as_account,
        )  # fmt: skip
        if initdb.returncode:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        try:
            self.start()
        except Exception:
            self.stop()
            raise

    def start(self):
        self.starts += 1
        self.process = BackgroundProcess(
            [
                self.bin_dir / "postgres",
                "-D", self.directory / "data",
                "-p", self.port,
                "-h", "127.0.0.1",
                "-k", self.directory,
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                "-c", "max_connections=200",
            ],
            self.directory / f"postgres-{self.starts}.log",
            stop_signal=signal.SIGINT,  # "fast" shutdown: roll back open transactions, then exit
            cwd=self.directory,
            **self.as_account,
        )  # fmt: skip
        self.process.wait_until(self.accepts_connections, "postgres")

    def client_args(self, tool):
        return [self.bin_dir / tool, "--host", "127.0.0.1", "--port", str(self.port), "--username", self.superuser]

    def accepts_connections(self):
        return subprocess.run([*self.client_args("pg_isready"), "--quiet"]).returncode == 0

    def create_database(self, name=None):
        """Create an empty database and return its URL (``postgres://postgres@127.0.0.1:<port>/<name>``)."""
        name = name or f"db{next(self._names)}"
        created = subprocess.run([*self.client_args("createdb"), name], capture_output=True, text=True)
        if created.returncode:
            raise RuntimeError(f"createdb {name} failed ({created.returncode}): {created.stderr}")
        return f"postgres://{self.superuser}@127.0.0.1:{self.port}/{name}"

    def halt(self):
        """Stop the server process ("fast" shutdown), keeping its port and data directory for ``start()``."""
        if self.process is not None:
            self.process.stop()

    def stop(self):
        self.halt()
        shutil.rmtree(self.directory, ignore_errors=True)
