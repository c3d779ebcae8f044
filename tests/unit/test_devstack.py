"""The local stack's pieces that need no running stack: state directory, seed, timeline,
the redaction of OAuth parameters in request logs."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from calsync.devstack.cloud import Cloud
from calsync.devstack.commands import RedactOAuthParams
from calsync.devstack.seed import seed, seeded_user
from calsync.devstack.settings import Tuning, stack_settings
from calsync.devstack.state import StateDir
from calsync.devstack.timeline import StepFailed, Timeline
from calsync.domain.activity import LinkedItemKind
from calsync.store.memory import MemoryStorage


def test_state_dir_keeps_its_keys_private_and_stable(tmp_path: Path) -> None:
    state = StateDir(tmp_path / ".calsync")
    key, aes = state.signing_key(), state.local_key()
    assert key.startswith("-----BEGIN PRIVATE KEY-----")
    assert StateDir(tmp_path / ".calsync").signing_key() == key
    assert StateDir(tmp_path / ".calsync").local_key() == aes
    for name in ("bearer-signing-key.pem", "local-key"):
        assert (state.path / name).stat().st_mode & 0o777 == 0o600
    assert (state.path / ".gitignore").read_text() == "*\n"


def test_dev_json_is_removed_only_by_the_stack_that_wrote_it(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    state.write_info({"pid": 41, "token": "t"})
    state.remove_info(pid=42)
    assert state.read_info() == {"pid": 41, "token": "t"}
    state.remove_info(pid=41)
    assert state.read_info() is None


def test_seed_writes_the_company_and_is_repeatable() -> None:
    storage = MemoryStorage()
    company = seed(storage)
    seed(storage)
    directory = storage.session().directory
    assert [directory.user("acme", u.id) for u in company.users] == list(company.users)
    assert "site_visit" in {t.key for t in directory.activity_types("acme")}
    merger = directory.linked_item("acme", LinkedItemKind.DEAL, "deal-merger")
    assert merger is not None
    assert not merger.visible_to_everyone
    assert seeded_user("Bob@Example.com").id == "u-bob"
    with pytest.raises(LookupError, match=r"demo@example\.com"):
        seeded_user("eve@example.com")


def test_the_timeline_fails_a_step_whose_check_does_not_hold() -> None:
    out = io.StringIO()
    timeline = Timeline(total=3, out=out)
    assert timeline.run("good", lambda: timeline.check(True, "holds"))

    def bad() -> None:
        timeline.check(False, "the calendar has the event")

    assert not timeline.run("bad", bad)
    assert not timeline.summary(["never run"], ["a fact"])
    text = out.getvalue()
    assert "ok holds" in text
    assert "FAIL the calendar has the event" in text
    assert "--   never run (not run)" in text
    assert "1/3 steps passed" in text
    with pytest.raises(StepFailed):
        timeline.check(False, "raised")


def test_oauth_codes_and_states_never_reach_the_request_log() -> None:
    line = '"GET /oauth/callback?code=4/secret&scope=email&state=abc123 HTTP/1.1" 302'
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s", (line,), None)
    assert RedactOAuthParams().filter(record)
    assert (
        record.getMessage() == '"GET /oauth/callback?code=***&scope=email&state=*** HTTP/1.1" 302'
    )


def test_the_stack_runs_the_production_adapters_fast_and_unpaced(tmp_path: Path) -> None:
    cloud = Cloud("127.0.0.1:1", None, "127.0.0.1:2", "127.0.0.1:3", "http://127.0.0.1:4")
    settings = stack_settings(cloud, "http://127.0.0.1:5", StateDir(tmp_path), Tuning())
    assert (settings.storage, settings.calendar, settings.queue) == (
        "firestore",
        "google",
        "cloud_tasks",
    )
    assert settings.task_auth
    assert settings.coalesce_seconds < 0.5
    assert settings.google_requests_per_minute == 0  # the simulator has no quota unless asked
