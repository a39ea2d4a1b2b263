"""The processes the benchmark starts (daphne per variant, redis-server), and the guarantee that it stops them.

Every child gets its own session and is asked by the kernel to exit if the benchmark dies, so neither a
failure, Ctrl-C nor a kill of the benchmark leaves a server behind.
"""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1
START_TIMEOUT = 60
STOP_TIMEOUT = 5


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def exit_with_parent():
    """Runs in the child before exec: SIGTERM it when the benchmark process goes away."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class ServerError(Exception):
    pass


class Server:
    def __init__(self, name, command, cwd, env, log_path):
        self.name = name
        self.port = free_port()
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [part.format(port=self.port) for part in command],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=exit_with_parent,
            )

    def wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"exited with {self.process.returncode}; {self.log_path}: {self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.1)
        raise ServerError(f"not on port {self.port} after {START_TIMEOUT}s; {self.log_path}: {self.log_tail()}")

    def cpu_seconds(self):
        """User + system CPU the server has used so far (Linux /proc), or None elsewhere."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self):
        """The last line of the server's log: for a Python server, the exception it died of."""
        with open(self.log_path, errors="replace") as log:
            lines = [line.strip() for line in log if line.strip()]
        return lines[-1] if lines else "(empty log)"

    def stop(self):
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Servers(contextlib.AbstractContextManager):
    """Starts servers and stops every one of them on exit, whatever the reason for the exit."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.running = []

    def start(self, name, command, cwd=None, env=None):
        server = Server(name, command, cwd, env, self.log_dir / f"{name}.log")
        self.running.append(server)
        return server

    def stop(self, servers):
        for server in servers:
            server.stop()
            self.running.remove(server)

    def __exit__(self, *exc_info):
        self.stop(list(self.running))


def daphne_command():
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", "-v", "0", "benchapp.asgi:application"]


def redis_command(data_dir):
    return [
        "redis-server",
        "--bind", "127.0.0.1",
        "--port", "{port}",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(data_dir),
    ]  # fmt: skip


def interrupt_on_sigterm():
    """SIGTERM acts as Ctrl-C does (``KeyboardInterrupt``), so ``with Servers`` stops the servers."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def environment(**overrides):
    return {**os.environ, **overrides}
