"""The local stack itself: `dev.json`, `calsync token`, the scheduler stand-in's verified
fan-out ticks, and the demo (run as `calsync demo` from the command line, so it never rots)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests
from calsync.devstack.client import CrmClient, wait_for

from tests.fixtures.stack import LocalStack


def _calsync(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "calsync.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_dev_json_tells_where_everything_is_with_a_working_token(local_stack: LocalStack) -> None:
    info = local_stack.info
    for key in ("functions_url", "google_url", "token", "frontend_url", "webhook_url"):
        assert info[key], key
    assert info["user"] == "demo@example.com"
    assert set(info["users"]) == {"demo@example.com", "bob@example.com"}
    crm = CrmClient(info["functions_url"], info["token"])
    assert crm.accounts() == []
    assert requests.get(f"{info['google_url']}/_admin/users", timeout=30).status_code == 200
    mode = (local_stack.state_dir / "dev.json").stat().st_mode & 0o777
    assert mode == 0o600, "it holds a token: readable by its owner only"


def test_calsync_token_prints_a_token_for_a_seeded_user(local_stack: LocalStack) -> None:
    made = _calsync("token", "--user", "bob@example.com", "--state-dir", str(local_stack.state_dir))
    assert made.returncode == 0, made.stderr
    bob = CrmClient(local_stack.functions_url, made.stdout.strip())
    listed = bob.activities("2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z")
    assert listed == []
    unknown = _calsync(
        "token", "--user", "eve@example.com", "--state-dir", str(local_stack.state_dir)
    )
    assert unknown.returncode == 2
    assert "bob@example.com" in unknown.stderr


def test_calsync_token_refuses_a_state_dir_without_keys(tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    made = _calsync("token", "--user", "demo@example.com", "--state-dir", str(empty))
    assert made.returncode == 1
    assert made.stdout == ""
    assert "no signing key" in made.stderr
    assert "make dev" in made.stderr
    assert not empty.exists(), "no key is made on the fly"


def test_the_scheduler_stand_in_calls_the_fanout_with_a_verified_token(
    local_stack: LocalStack,
) -> None:
    queue = local_stack.info["cloudtasks"]["scheduler_queue"]

    def ticks() -> tuple[int, int]:
        counts = local_stack.tasks.stats()["queues"].get(queue, {})
        return counts.get("succeeded", 0), counts.get("failed", 0)

    succeeded, _ = ticks()
    wait_for("a fan-out tick", lambda: ticks()[0] > succeeded, 30)
    assert ticks()[1] == 0, "every tick passed the fan-out's OIDC check"
    assert any('"POST /fanout HTTP/1.1" 200' in line for line in local_stack.lines())


def test_the_demo_passes_from_the_command_line(tmp_path: Path) -> None:
    played = _calsync("demo", "--state-dir", str(tmp_path / ".calsync"), timeout=240)
    assert played.returncode == 0, played.stdout + played.stderr
    assert "12/12 steps passed" in played.stdout
    assert "FAIL" not in played.stdout
