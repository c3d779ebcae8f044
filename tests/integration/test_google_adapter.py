"""The Google adapter on the simulator: what the provider contract cannot say. The event as
Google holds it, what an update keeps, quota units and HTTP requests per operation, batches,
back-off and streaming. (Reading and push channels: test_google_adapter_reads; auth and OAuth:
test_google_adapter_auth.)
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from calsync.domain.schedule import evolve
from calsync.errors import ProviderRateLimited, ProviderUnavailable
from calsync.ports import CreateEvent, DeleteEvent, Outcome, UpdateEvent
from calsync.providers.google_wire import STAMP_KEY

from tests.fixtures.google import GoogleSim
from tests.integration.google_helpers import ID, START, create, fields, pull, user_event
from tests.integration.google_world import GoogleRig, google_rig

# -- the wire -----------------------------------------------------------------------------------


def test_an_event_as_google_holds_it(rig: GoogleRig) -> None:
    create(
        rig,
        busy=False,
        private=True,
        description="Agenda",
        location="NYC",
        conference_url="https://meet.example.com/pitch",
    )
    raw = rig.raw(ID)
    assert raw["start"] == {"dateTime": "2030-03-04T04:00:00-05:00", "timeZone": "America/New_York"}
    assert (raw["summary"], raw["description"], raw["location"]) == ("Pitch", "Agenda", "NYC")
    assert (raw["transparency"], raw["visibility"]) == ("transparent", "private")
    assert [a["email"] for a in raw["attendees"]] == ["bob@example.com"]
    assert raw["conferenceData"]["entryPoints"][0]["uri"] == "https://meet.example.com/pitch"
    assert raw["extendedProperties"]["private"] == {STAMP_KEY: "a1"}
    assert len(STAMP_KEY) <= 44


def test_all_day_end_dates_are_exclusive_at_google_and_inclusive_in_calsync(rig: GoogleRig) -> None:
    day = date(2030, 3, 4)
    event = create(rig, start=None, end=None, start_date=day, end_date=day + timedelta(days=1))
    raw = rig.raw(ID)
    assert (raw["start"], raw["end"]) == ({"date": "2030-03-04"}, {"date": "2030-03-06"})
    assert (event.start_date, event.end_date) == (day, day + timedelta(days=1))


def test_an_update_keeps_what_calsync_does_not_manage(rig: GoogleRig) -> None:
    event = create(rig)
    current = rig.raw(ID)
    current["reminders"] = {"useDefault": False, "overrides": [{"method": "popup", "minutes": 5}]}
    current["colorId"] = "5"
    current["extendedProperties"]["private"]["theirs"] = "kept"
    current["attendees"] = [
        {"email": "bob@example.com", "responseStatus": "accepted", "comment": "see you"},
        {"email": "ann@example.com", "responseStatus": "accepted"},  # the organizer herself
    ]
    events = rig.user.service.events()
    events.update(calendarId=rig.calendar_id, eventId=ID, body=current).execute()
    seen = rig.provider.get(rig.calendar_id, ID)
    assert seen is not None
    assert seen.attendees == ("bob@example.com",)  # not the organizer's own entry
    changed = fields(subject="Pitch v2", attendees=("bob@example.com", "cy@example.com"))
    [result] = rig.provider.write(rig.calendar_id, [UpdateEvent(ID, changed, seen.etag)])
    assert result.outcome is Outcome.OK
    after = rig.raw(ID)
    assert after["summary"] == "Pitch v2"
    assert after["reminders"]["overrides"] == [{"method": "popup", "minutes": 5}]
    assert after["colorId"] == "5"
    assert after["extendedProperties"]["private"] == {STAMP_KEY: "a1", "theirs": "kept"}
    guests = {a["email"]: a for a in after["attendees"]}
    assert guests["bob@example.com"]["responseStatus"] == "accepted"
    assert guests["bob@example.com"]["comment"] == "see you"
    assert "ann@example.com" in guests
    assert guests["cy@example.com"]["responseStatus"] == "needsAction"
    assert event.etag != after["etag"]


def test_a_meet_link_made_by_google_survives_an_update(rig: GoogleRig) -> None:
    body = {
        "summary": "Standup",
        "start": {"dateTime": "2030-03-04T09:00:00Z"},
        "end": {"dateTime": "2030-03-04T09:15:00Z"},
        "conferenceData": {"createRequest": {"requestId": "r1"}},
    }
    events = rig.user.service.events()
    made = events.insert(calendarId=rig.calendar_id, body=body, conferenceDataVersion=1).execute()
    seen = rig.provider.get(rig.calendar_id, made["id"])
    assert seen is not None
    assert seen.conference_url == made["hangoutLink"]
    mine = fields(subject="Standup!", conference_url=seen.conference_url, attendees=())
    [ok] = rig.provider.write(rig.calendar_id, [UpdateEvent(made["id"], mine, seen.etag)])
    assert ok.outcome is Outcome.OK
    assert rig.raw(made["id"])["conferenceData"] == made["conferenceData"]


# -- quota and requests -------------------------------------------------------------------------


def test_quota_units_per_write(rig: GoogleRig) -> None:
    event = create(rig)
    assert rig.units() == 1  # insert
    rig.sim.reset_stats()
    job = rig.fresh()  # the next job: it holds no event resources
    [ok] = job.write(rig.calendar_id, [UpdateEvent(ID, fields(subject="2"), event.etag)])
    assert ok.outcome is Outcome.OK
    assert ok.event is not None
    assert rig.units() == 2  # get + update (a patch would cost 3)
    rig.sim.reset_stats()
    [ok] = job.write(rig.calendar_id, [UpdateEvent(ID, fields(subject="3"), ok.event.etag)])
    assert ok.outcome is Outcome.OK
    assert ok.event is not None
    assert rig.units() == 1  # it holds the resource it just wrote: the update alone
    rig.user.update(rig.calendar_id, ID, summary="the user's")
    rig.sim.reset_stats()
    [stale] = rig.fresh().write(rig.calendar_id, [UpdateEvent(ID, fields(), ok.event.etag)])
    assert stale.outcome is Outcome.STALE  # the get shows a newer etag: no update is sent
    assert rig.units() == 1
    rig.sim.reset_stats()
    [stale] = job.write(rig.calendar_id, [UpdateEvent(ID, fields(), ok.event.etag)])
    assert stale.outcome is Outcome.STALE  # the update meets 412, the get shows what is new
    assert stale.event is not None
    assert stale.event.summary == "the user's"
    assert rig.units() == 2
    requests = rig.sim.stats()["requests"]
    assert "events.patch" not in requests


def test_creates_go_fifty_to_a_batch(rig: GoogleRig) -> None:
    ids = [f"crm0batch{i:03d}" for i in range(120)]
    writes = [CreateEvent(i, fields(subject=i), i) for i in ids]
    results = rig.provider.write(rig.calendar_id, writes)
    assert [r.event.id for r in results if r.event] == ids
    stats = rig.sim.stats()
    assert stats["batch"] == {"requests": 3, "parts": 120}
    assert rig.units() == 120
    rig.sim.reset_stats()
    deletes = [DeleteEvent(i) for i in ids[:10]] + [DeleteEvent("crm0nothere1")]
    outcomes = [r.outcome for r in rig.provider.write(rig.calendar_id, deletes)]
    assert outcomes == [Outcome.OK] * 10 + [Outcome.GONE]
    assert rig.sim.stats()["batch"]["requests"] == 1


def test_an_idle_incremental_pull_is_one_request(rig: GoogleRig) -> None:
    create(rig)
    _, cursor = pull(rig)
    rig.sim.reset_stats()
    found, _ = pull(rig, cursor)
    assert found == []
    assert rig.sim.stats()["requests"] == {"events.list": 1}


def test_pages_are_fetched_as_they_are_consumed(google: GoogleSim) -> None:
    rig = google_rig(google, page_size=3)
    for hours in range(7):
        rig.user.create(rig.calendar_id, user_event(rig, hours))
    pages = rig.provider.changes(rig.calendar_id, None, window_start=START)
    first = next(pages)
    assert (len(first.changes), first.cursor) == (3, None)
    assert rig.sim.stats()["requests"]["events.list"] == 1
    rest = list(pages)
    assert [len(p.changes) for p in rest] == [3, 1]
    assert rest[-1].cursor is not None
    assert rig.sim.stats()["requests"]["events.list"] == 3


# -- transient failures -------------------------------------------------------------------------


def test_transient_failures_are_retried_with_back_off(rig: GoogleRig) -> None:
    rig.sim.set_faults({"methods": {"events.list": {"failNext": [503, 429]}}})
    found, cursor = pull(rig)
    assert found == []
    assert cursor is not None
    assert rig.sim.stats()["requests"]["events.list"] == 3


def test_rate_limits_that_persist_raise_with_a_retry_after(rig: GoogleRig) -> None:
    rig.sim.set_faults({"methods": {"calendarList.list": {"failNext": [403, 403, 403]}}})
    with pytest.raises(ProviderRateLimited) as raised:
        rig.provider.calendars()
    assert raised.value.retry_after is not None
    assert raised.value.retry_after > 0
    rig.sim.set_faults({"methods": {"events.list": {"failNext": [500, 503, 503]}}})
    with pytest.raises(ProviderUnavailable):
        pull(rig)


def test_a_failing_item_of_a_batch_is_retried_alone(rig: GoogleRig) -> None:
    rig.sim.set_faults({"methods": {"events.insert": {"failNext": [503]}}})
    ids = ["crm0first0001", "crm0second002"]
    results = rig.provider.write(rig.calendar_id, [CreateEvent(i, fields(), i) for i in ids])
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.OK]
    stats = rig.sim.stats()
    assert stats["batch"] == {"requests": 2, "parts": 3}
    assert stats["statuses"]["events.insert"] == {"200": 2, "503": 1}


def test_an_item_that_keeps_failing_is_reported_retry(rig: GoogleRig) -> None:
    rig.sim.set_faults({"methods": {"events.insert": {"failNext": [429, 429, 429]}}})
    [result] = rig.provider.write(rig.calendar_id, [CreateEvent(ID, fields(), "a1")])
    assert result.outcome is Outcome.RETRY  # three tries (the test policy), no exception
    assert "429" in result.detail
    assert rig.sim.stats()["batch"]["requests"] == 3
    [again] = rig.provider.write(rig.calendar_id, [CreateEvent(ID, fields(), "a1")])
    assert again.outcome is Outcome.OK


def test_a_lost_batch_answer_is_sent_again_and_finds_its_own_create(rig: GoogleRig) -> None:
    rig.network.lose("events.insert", times=1)
    [result] = rig.provider.write(rig.calendar_id, [CreateEvent(ID, fields(), "a1")])
    assert result.outcome is Outcome.EXISTS
    assert result.event is not None
    assert result.event.crm_activity_id == "a1"
    assert rig.network.lost == 1


def test_a_paced_provider_charges_a_batch_one_unit_per_call(rig: GoogleRig) -> None:
    rig.connector.requests_per_minute = 1_200  # 20 a second, 50 saved up
    provider = rig.fresh()
    assert provider.pace is not None
    ids = [f"crm0paced{i:03d}" for i in range(70)]
    provider.write(rig.calendar_id, [CreateEvent(i, fields(subject=i), i) for i in ids])
    # the first batch of 50 spends the saved-up budget; the next 20 calls wait about 1 s
    assert 0.7 < provider.pace.waited < 2.0
    assert rig.units() == 70


def test_a_provider_goes_on_from_the_budget_the_last_job_left(rig: GoogleRig) -> None:
    """Jobs of one account share its pace: the next one starts from what the last one left
    (carried on the account), not from a full bucket, whatever process it runs in."""
    rig.connector.requests_per_minute = 1_200  # 20 a second, 50 saved up
    first = rig.fresh()
    assert first.pace is not None
    ids = [f"crm0pace{i:03d}" for i in range(50)]
    first.write(rig.calendar_id, [CreateEvent(i, fields(subject=i), i) for i in ids])
    left = first.request_budget()
    assert left is not None
    assert left.tokens < 5  # the saved-up 50 are spent
    spent = evolve(rig.account, sync=evolve(rig.account.sync, pace=left))
    second = rig.connector.open(spent, rig.credentials, rig.refreshed.append)
    assert second.pace is not None
    second.write(rig.calendar_id, [CreateEvent("crm0pacenext", fields(), "next")])
    assert second.pace.waited > 0  # no fresh bucket: it waited for its token
    unpaced = rig.connector.open(rig.account, rig.credentials, rig.refreshed.append)
    assert unpaced.pace is not None
    unpaced.write(rig.calendar_id, [CreateEvent("crm0pacefree", fields(), "free")])
    assert unpaced.pace.waited == 0  # an account with no budget on record starts full
