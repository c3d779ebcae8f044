"""Start emulators as child processes and wait for their ``ready`` line.

The ready line is ``<name> ready on <host>:<port> [key=value ...]``: :func:`announce_ready` prints
it from inside an emulator and :func:`start` parses it in the parent, so ``--port 0`` works
without racing for a free port.
"""

from __future__ import annotations

import collections
import ctypes
import os
import runpy
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

_READY = " ready on "


class LaunchError(RuntimeError):
    """An emulator exited or stayed silent before printing its ready line."""


def announce_ready(name: str, host: str, port: int, **extra: object) -> None:
    """Print the ready line (called by an emulator once it accepts connections)."""
    tail = "".join(f" {key}={value}" for key, value in extra.items())
    print(f"{name}{_READY}{host}:{port}{tail}", flush=True)


@dataclass
class RunningServer:
    """A started emulator: where it listens, what else it announced, and how to stop it."""

    name: str
    host: str
    port: int
    process: subprocess.Popen[str]
    extra: dict[str, str] = field(default_factory=dict)
    _log: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=400))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def output(self) -> str:
        """The last lines the emulator printed (for a failing test's report)."""
        return "\n".join(self._log)

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def start(
    module: str,
    *args: str,
    host: str = "127.0.0.1",
    port: int = 0,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> RunningServer:
    """Run ``python -m <module> --host <host> --port <port> <args>`` and wait until it is ready.

    The child runs through this module's ``__main__`` (see :func:`_child`), which asks Linux to
    end it when the thread that started it exits. Nothing runs between fork and exec (no
    ``preexec_fn``), so CPython may use vfork and no library's fork handler runs in a half-made
    child: gRPC's, in a parent with live channels, could abort it before it ever started.
    """
    listen = ["--host", host, "--port", str(port), *args]
    command = [sys.executable, "-u", "-m", "emulators.launch", str(os.getpid()), module, *listen]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    log: collections.deque[str] = collections.deque(maxlen=400)
    line = _wait_for_ready(process, log, module, timeout)
    server = _parse_ready(line, process)
    server._log = log
    threading.Thread(target=_drain, args=(process, log), daemon=True).start()
    return server


def _wait_for_ready(
    process: subprocess.Popen[str], log: collections.deque[str], module: str, timeout: float
) -> str:
    assert process.stdout is not None
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.rstrip("\n")
            log.append(line)
            if _READY in line:
                found.append(line)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while not found and reader.is_alive() and time.monotonic() < deadline:
        reader.join(0.05)
    if not found:
        process.kill()
        process.wait()
        output = "\n".join(log)
        raise LaunchError(f"{module} did not become ready within {timeout:.0f}s:\n{output}")
    return found[0]


def _parse_ready(line: str, process: subprocess.Popen[str]) -> RunningServer:
    name, rest = line.split(_READY, 1)
    address, *pairs = rest.split()
    host, port = address.rsplit(":", 1)
    extra = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    return RunningServer(name=name.strip(), host=host, port=int(port), process=process, extra=extra)


def _drain(process: subprocess.Popen[str], log: collections.deque[str]) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        log.append(raw.rstrip("\n"))


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGTERM this process when its parent (the test run or dev stack) dies; if
    the parent is already gone, exit at once."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:
        sys.exit(f"{sys.argv[0]}: the process that started it is gone")


def _child(argv: list[str]) -> None:
    """``python -m emulators.launch <parent pid> <module> <args>``: run ``<module>`` as
    ``python -m`` would, after arranging to die with the parent."""
    parent, module, *rest = argv
    _die_with_parent(int(parent))
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _child(sys.argv[1:])
