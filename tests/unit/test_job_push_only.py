"""Push-only jobs (`SyncJob.run(account_id, pull=False)`): asked for by CRM changes alone, they
send the outbox without listing the calendar first, unless they must pull (no cursor yet,
settings to reconcile); a calendar edit they did not pull still surfaces through If-Match."""

from __future__ import annotations

from calsync.domain.schedule import evolve
from calsync.sync.jobs import JobOutcome

from tests.unit.rig import EMAIL, Rig


def _synced() -> Rig:
    """An account past its first sync (it has a cursor), with nothing left to do."""
    rig = Rig()
    rig.run()
    return rig


def _lists(rig: Rig) -> int:
    return rig.service.calls["events.list"]


def test_a_crm_change_is_pushed_without_listing_the_calendar() -> None:
    rig = _synced()
    lists, requests = _lists(rig), rig.service.requests
    activity = rig.crm_create(subject="Made in the CRM")
    assert rig.run(pull=False).outcome is JobOutcome.DONE
    assert (_lists(rig) - lists, rig.service.requests - requests) == (0, 1)  # the insert
    [event] = rig.events()
    assert (event.summary, event.crm_activity_id) == ("Made in the CRM", activity.id)
    rig.crm_update(activity.id, subject="Renamed")
    rig.run(pull=False)
    rig.crm_delete(activity.id)
    rig.run(pull=False)
    assert rig.events() == []
    assert _lists(rig) == lists


def test_an_idle_push_only_job_asks_the_calendar_nothing() -> None:
    rig = _synced()
    rig.storage.reset()
    requests = rig.service.requests
    assert rig.run(pull=False).outcome is JobOutcome.DONE
    assert rig.service.requests == requests
    assert rig.storage.reads <= 3


def test_a_calendar_edit_it_did_not_pull_still_surfaces_and_merges() -> None:
    rig = _synced()
    activity = rig.crm_create(subject="Meeting")
    rig.run()
    [event] = rig.events()
    cursor = rig.stored_account().sync.cursor
    rig.service.user_update(EMAIL, event.id, location="Room 2")  # its notification is late
    rig.crm_update(activity.id, subject="Kick-off")
    lists = _lists(rig)
    assert rig.run(pull=False).outcome is JobOutcome.DONE
    assert _lists(rig) == lists  # the If-Match update came back STALE and was merged
    [final] = rig.events()
    assert (final.summary, final.location) == ("Kick-off", "Room 2")
    [merged] = rig.activities()
    assert (merged.subject, merged.location) == ("Kick-off", "Room 2")
    assert rig.stored_account().sync.cursor == cursor  # the pull is still the notification's
    writes = rig.provider.writes
    assert rig.run().outcome is JobOutcome.DONE  # the late notification's job
    assert rig.provider.writes == writes  # nothing left to send: no echo


def test_the_first_sync_pulls_even_when_asked_to_push_only() -> None:
    rig = Rig()
    rig.cal_create(summary="Already there")
    rig.crm_create(subject="Made before the first sync")
    assert rig.run(pull=False).outcome is JobOutcome.DONE
    assert rig.stored_account().sync.cursor is not None
    assert {a.subject for a in rig.activities()} == {"Already there", "Made before the first sync"}
    assert len(rig.events()) == 2


def test_changed_settings_make_a_push_only_job_pull() -> None:
    rig = _synced()
    current = rig.stored_account().settings
    assert current is not None
    rig.change_settings(evolve(current, private_events="everyone"))
    lists = _lists(rig)
    rig.run(pull=False)
    assert _lists(rig) > lists  # the policy is applied again to what the calendar holds
    applied = rig.stored_account().sync.applied_settings
    assert applied == rig.stored_account().settings
    lists = _lists(rig)
    rig.run(pull=False)  # reconciled: push-only again
    assert _lists(rig) == lists


def test_an_interrupted_reconcile_or_a_cursor_of_another_calendar_makes_it_pull() -> None:
    rig = _synced()
    account = rig.stored_account()
    rig.memory.session().accounts.put(evolve(account, sync=evolve(account.sync, reconciling=True)))
    lists = _lists(rig)
    rig.run(pull=False)
    assert _lists(rig) > lists
    assert rig.stored_account().sync.reconciling is False
    account = rig.stored_account()
    elsewhere = evolve(account.sync, cursor_calendar_id="another@example.com")
    rig.memory.session().accounts.put(evolve(account, sync=elsewhere))
    lists = _lists(rig)
    rig.run(pull=False)
    assert _lists(rig) > lists
    assert rig.stored_account().sync.cursor_calendar_id == EMAIL
