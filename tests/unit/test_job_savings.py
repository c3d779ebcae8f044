"""Work a job leaves out because it would change nothing (found by the benchmarks):

- the first sync's "push every activity and every link" skips what its own pull just linked;
- pushes asked for by a settings change read no outbox entries (they have none to clear);
- the lease is renewed once half of it has passed, not in every transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from calsync.domain.schedule import evolve
from calsync.store.memory import MemoryOutbox
from calsync.sync.job import EngineConfig
from calsync.sync.jobs import JobOutcome
from calsync.sync.push import Item, Push

from tests.unit.rig import Rig


@pytest.fixture
def pushed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The activity ids the job hands to the push, in order."""
    seen: list[str] = []
    original = Push._push

    def spy(self: Push, items: Sequence[Item], *, synthetic: bool) -> None:
        seen.extend(item.activity_id for item in items)
        original(self, items, synthetic=synthetic)

    monkeypatch.setattr(Push, "_push", spy)
    return seen


def test_the_first_sync_pushes_the_crm_activities_not_what_it_just_imported(
    pushed: list[str],
) -> None:
    rig = Rig()
    imported = [rig.cal_create(hours=1 + i, summary=f"Event {i}") for i in range(3)]
    made = [rig.crm_create(hours=10 + i, subject=f"Activity {i}") for i in range(2)]
    assert rig.run().outcome is JobOutcome.DONE
    assert set(pushed) == {a.id for a in made}  # none of the imports
    assert len(rig.events()) == len(imported) + len(made)
    assert len(rig.activities()) == len(imported) + len(made)


def test_a_resumed_sync_still_pushes_the_links_it_had(pushed: list[str]) -> None:
    rig = Rig()
    rig.cal_create(hours=1, summary="Imported")
    rig.run()
    imported = {a.id for a in rig.activities()}
    account = rig.stored_account()  # stopped and resumed: the settings are applied again
    rig.memory.session().accounts.put(
        evolve(account, sync=evolve(account.sync, applied_settings=None))
    )
    pushed.clear()
    assert rig.run().outcome is JobOutcome.DONE
    assert imported <= set(pushed)


def test_settings_pushes_read_no_outbox_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig()
    for hour in range(120):
        rig.crm_create(hours=1 + hour)
    for entry in rig.memory.session().outbox.pending("acc", limit=500):  # made before the sync
        rig.memory.session().outbox.delete("acc", entry.activity_id)
    gets: list[str] = []
    original = MemoryOutbox.get
    monkeypatch.setattr(
        MemoryOutbox, "get", lambda self, a, i: gets.append(i) or original(self, a, i)
    )
    assert rig.run().outcome is JobOutcome.DONE
    assert len(rig.events()) == 120
    assert gets == []


def test_an_outbox_push_still_clears_its_entry() -> None:
    rig = Rig()
    activity = rig.crm_create(subject="Before")
    rig.run()
    rig.crm_update(activity.id, subject="After")
    assert rig.run().outcome is JobOutcome.DONE
    assert rig.memory.session().outbox.pending("acc", limit=10) == []
    assert [e.summary for e in rig.events()] == ["After"]


def _leases_seen(rig: Rig, advance: timedelta) -> list[datetime | None]:
    seen: list[datetime | None] = []

    def on_page(_: object) -> None:
        seen.append(rig.stored_account().sync.lease_until)
        rig.clock.advance(advance)

    rig.provider.on_page = on_page
    assert rig.run().outcome is JobOutcome.DONE
    return seen


def test_a_job_renews_its_lease_only_once_half_of_it_has_passed() -> None:
    config = EngineConfig(push_batch=50, txn_items=10, lease_ttl=timedelta(minutes=10))
    rig = Rig(page_size=10, config=config)
    rig.run()
    for hour in range(35):
        rig.cal_create(hours=1 + hour)
    rig.storage.reset()
    seen = _leases_seen(rig, timedelta(0))
    assert len(seen) == 4
    assert len(set(seen)) == 1  # no renewal between the commits
    assert rig.storage.writes <= 2 * 35 + 3  # events, cursor, lease taken and released


def test_a_long_job_keeps_its_lease() -> None:
    config = EngineConfig(push_batch=50, txn_items=10, lease_ttl=timedelta(minutes=10))
    rig = Rig(page_size=10, config=config)
    rig.run()
    for hour in range(35):
        rig.cal_create(hours=100 + hour)
    seen = _leases_seen(rig, timedelta(minutes=6))
    renewals = [(a, b) for a, b in itertools.pairwise(seen) if a is not None and b is not None]
    assert len(renewals) == len(seen) - 1
    assert all(later > earlier for earlier, later in renewals)
    assert len(rig.activities()) == 35
