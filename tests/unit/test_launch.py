"""emulators.launch: a started emulator reports its address and dies with its parent."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import psutil
from emulators import launch

_PARENT = """
import json, sys, time
from emulators import launch
server = launch.start("emulators.google")
print(json.dumps({"pid": server.process.pid, "url": server.url}), flush=True)
time.sleep(120)
"""


def test_an_emulator_starts_and_stops() -> None:
    server = launch.start("emulators.google")
    try:
        assert server.name == "google"
        assert server.url.startswith("http://127.0.0.1:")
        assert psutil.Process(server.process.pid).cmdline()[-4:] == [
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]
    finally:
        server.stop()
    assert server.process.returncode is not None


def test_an_emulator_dies_when_the_process_that_started_it_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = json.loads(parent.stdout.readline())
        emulator = psutil.Process(child["pid"])
        assert emulator.is_running()
        parent.send_signal(signal.SIGKILL)  # no chance to clean up: Linux must end the child
        parent.wait(10)
        emulator.wait(10)
    finally:
        parent.kill()
    assert not psutil.pid_exists(child["pid"]) or emulator.status() == psutil.STATUS_ZOMBIE
