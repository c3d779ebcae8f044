"""The CalendarProvider contract, writes: client-chosen ids and what a taken id answers,
If-Match, deletions, restores, batches, moves, push channels, and dead authorizations.

Runs for every adapter of the `calendar` fixture (tests/contract/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.domain import RemovedEvent
from calsync.errors import ProviderAuthError, ProviderRejected, ProviderUnavailable
from calsync.ports import CreateEvent, DeleteEvent, MoveEvent, Outcome, UpdateEvent

from tests.contract.conftest import CalendarCase
from tests.contract.provider_helpers import ID, changes, create, fields

# -- calendars ----------------------------------------------------------------------------------


def test_calendars_lists_the_users_writable_calendars(calendar: CalendarCase) -> None:
    found = {c.id: c for c in calendar.provider.calendars()}
    assert calendar.calendar_id in found
    assert found[calendar.calendar_id].writable
    made = calendar.provider.create_calendar("CRM activities", "Europe/Berlin")
    listed = {c.id: c for c in calendar.provider.calendars()}
    assert listed[made.id].name == "CRM activities"
    assert listed[made.id].writable


def test_unknown_calendar_is_rejected(calendar: CalendarCase) -> None:
    with pytest.raises(ProviderRejected):
        list(calendar.provider.changes("nope@example.com", None, window_start=calendar.clock.now()))
    with pytest.raises(ProviderRejected):  # its events are not taken for deleted
        calendar.provider.write("nope@example.com", [UpdateEvent(ID, fields(calendar))])


# -- writes -------------------------------------------------------------------------------------


def test_create_with_a_client_id_keeps_every_field(calendar: CalendarCase) -> None:
    event = create(calendar)
    assert event.id == ID
    assert event.crm_activity_id == "a1"
    assert event.etag
    got = calendar.provider.get(calendar.calendar_id, ID)
    assert got is not None
    assert got.timezone == "Europe/Berlin"
    assert (got.summary, got.location, got.description) == ("Review", "Room 1", "Agenda")
    assert got.attendees == ("bob@example.com",)
    assert got.conference_url == "https://meet.example.com/x"
    assert got.start == fields(calendar).start


def test_all_day_events_keep_inclusive_dates(calendar: CalendarCase) -> None:
    day = (calendar.clock.now() + timedelta(days=3)).date()
    allday = {"start": None, "end": None, "start_date": day, "end_date": day + timedelta(days=1)}
    create(calendar, **allday)
    got = calendar.provider.get(calendar.calendar_id, ID)
    assert got is not None
    assert (got.start_date, got.end_date) == (day, day + timedelta(days=1))
    assert got.start is None


def test_a_taken_id_answers_exists_with_the_holder(calendar: CalendarCase) -> None:
    create(calendar)
    [again] = calendar.provider.write(
        calendar.calendar_id, [CreateEvent(ID, fields(calendar, subject="x"), activity_id="a1")]
    )
    assert again.outcome is Outcome.EXISTS
    assert again.event is not None
    assert again.event.crm_activity_id == "a1"
    assert calendar.provider.get(calendar.calendar_id, ID).summary == "Review"


@pytest.mark.parametrize("bad_id", ["ABCDEF12345", "abc", "crm0_with_underscore", "w" * 10])
def test_ids_outside_base32hex_are_rejected(calendar: CalendarCase, bad_id: str) -> None:
    [result] = calendar.provider.write(
        calendar.calendar_id, [CreateEvent(bad_id, fields(calendar), activity_id="a1")]
    )
    assert result.outcome is Outcome.REJECTED
    assert result.detail


def test_a_deleted_id_is_restored_by_a_create(calendar: CalendarCase) -> None:
    create(calendar)
    calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID)])
    restored = create(calendar, subject="Back again")
    assert restored.id == ID
    assert calendar.provider.get(calendar.calendar_id, ID).summary == "Back again"


def test_update_with_if_match(calendar: CalendarCase) -> None:
    event = create(calendar)
    [ok] = calendar.provider.write(
        calendar.calendar_id,
        [UpdateEvent(ID, fields(calendar, subject="New"), if_match=event.etag)],
    )
    assert ok.outcome is Outcome.OK
    assert ok.event is not None
    assert ok.event.etag != event.etag
    assert ok.event.summary == "New"
    assert ok.event.crm_activity_id == "a1"  # the stamp survives updates
    [stale] = calendar.provider.write(
        calendar.calendar_id,
        [UpdateEvent(ID, fields(calendar, subject="Old"), if_match=event.etag)],
    )
    assert stale.outcome is Outcome.STALE
    assert stale.event is not None
    assert stale.event.summary == "New"


def test_a_user_edit_makes_an_if_match_stale(calendar: CalendarCase) -> None:
    event = create(calendar)
    calendar.user.update(calendar.calendar_id, ID, summary="Edited by the user")
    [stale] = calendar.provider.write(
        calendar.calendar_id, [UpdateEvent(ID, fields(calendar), if_match=event.etag)]
    )
    assert stale.outcome is Outcome.STALE
    assert stale.event is not None
    assert stale.event.summary == "Edited by the user"


def test_writes_to_missing_events_are_gone(calendar: CalendarCase) -> None:
    results = calendar.provider.write(
        calendar.calendar_id,
        [UpdateEvent("crm0nothere1", fields(calendar)), DeleteEvent("crm0nothere1")],
    )
    assert [r.outcome for r in results] == [Outcome.GONE, Outcome.GONE]


def test_delete_then_get_and_delete_again(calendar: CalendarCase) -> None:
    event = create(calendar)
    [stale] = calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID, if_match='"0"')])
    assert stale.outcome is Outcome.STALE
    [ok] = calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID, if_match=event.etag)])
    assert ok.outcome is Outcome.OK
    assert calendar.provider.get(calendar.calendar_id, ID) is None
    [gone] = calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID)])
    assert gone.outcome is Outcome.GONE


def test_one_call_answers_each_write_in_order(calendar: CalendarCase) -> None:
    ids = [f"crm0batch{i:03d}" for i in range(60)]
    results = calendar.provider.write(
        calendar.calendar_id,
        [CreateEvent(i, fields(calendar, subject=i), activity_id=i) for i in ids],
    )
    assert [r.outcome for r in results] == [Outcome.OK] * 60
    assert [r.event.id for r in results if r.event] == ids


def test_move_to_another_calendar_keeps_the_id(calendar: CalendarCase) -> None:
    other = calendar.user.add_calendar("Work")
    _, cursor = changes(calendar, None)
    create(calendar)
    [moved] = calendar.provider.write(calendar.calendar_id, [MoveEvent(ID, other)])
    assert moved.outcome is Outcome.OK
    assert calendar.provider.get(calendar.calendar_id, ID) is None
    there = calendar.provider.get(other, ID)
    assert there is not None
    assert there.summary == "Review"
    found, _ = changes(calendar, cursor)
    assert RemovedEvent(id=ID, calendar_id=calendar.calendar_id) in found


# -- channels, errors ---------------------------------------------------------------------------


def test_watch_and_stop(calendar: CalendarCase) -> None:
    channel = calendar.provider.watch(
        calendar.calendar_id,
        channel_id="ch-1",
        address="https://hooks.example.com/google",
        token="secret-token",
        ttl=timedelta(hours=1),
    )
    assert channel.id == "ch-1"
    assert channel.resource_id
    assert channel.expires_at.tzinfo is not None
    calendar.provider.stop_watch(channel.id, channel.resource_id)


def test_a_revoked_authorization_raises_provider_auth_error(calendar: CalendarCase) -> None:
    calendar.user.revoke()
    with pytest.raises(ProviderAuthError):
        calendar.provider.calendars()
    with pytest.raises(ProviderAuthError):
        calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID)])


def test_a_failed_call_raises_and_the_next_one_works(calendar: CalendarCase) -> None:
    calendar.user.fail_next("events.list", ProviderUnavailable("503"))
    with pytest.raises(ProviderUnavailable):
        changes(calendar, None)
    assert changes(calendar, None)[0] == []


def test_a_lost_response_still_took_effect(calendar: CalendarCase) -> None:
    calendar.user.fail_next("events.insert", ProviderUnavailable("timeout"), after=True)
    with pytest.raises(ProviderUnavailable):
        calendar.provider.write(calendar.calendar_id, [CreateEvent(ID, fields(calendar), "a1")])
    [again] = calendar.provider.write(
        calendar.calendar_id, [CreateEvent(ID, fields(calendar), "a1")]
    )
    assert again.outcome is Outcome.EXISTS
