"""Background processes for tests: free loopback ports, bounded waits, logs kept for failure reports."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now (never a well-known default)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def tail(text, lines=60):
    return "\n".join(text.splitlines()[-lines:])


class BackgroundProcess:
    """A long-running command whose output goes to a log file, stopped (and reaped) by ``stop()``.

    The output goes to a file rather than a pipe so that a chatty server can never block on a full
    pipe, and so that a failure report can show what the server said.
    """

    def __init__(self, args, log_path, stop_signal=signal.SIGTERM, **popen_kwargs):
        self.args = [str(arg) for arg in args]
        self.log_path = Path(log_path)
        self.stop_signal = stop_signal
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **popen_kwargs
            )

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def describe(self):
        return f"$ {' '.join(self.args)}\n{tail(self.log())}"

    def wait_until(self, ready, what, timeout=60):
        """Poll ``ready()`` until it is true; fail early and loudly if the process dies first."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"{what}: the process exited with {self.process.returncode}\n{self.describe()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"{what}: not ready after {timeout} s\n{self.describe()}")
            time.sleep(0.05)

    def stop(self, timeout=30):
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def clean_environment(**overrides):
    """The current environment without anything that would steer a baked project, plus ``overrides``.

    A baked project must behave the same whoever runs the template tests: settings module, database,
    Redis and virtualenv variables of the caller never leak into it.
    """
    leaking = {"DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS"}
    environment = {
        key: value for key, value in os.environ.items() if key not in leaking and not key.startswith("DJANGO_")
    }
    environment.update({key: str(value) for key, value in overrides.items() if value is not None})
    return environment
