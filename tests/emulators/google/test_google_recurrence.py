"""Recurring events: expansion, instance ids, exceptions, cancellations, singleEvents sync."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from emulators.google import errors, recurrence
from emulators.google.recurrence import Expander
from emulators.google.timefmt import When
from googleapiclient.errors import HttpError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.google import GoogleSim, all_day, list_all, timed

BERLIN = "Europe/Berlin"


def _berlin(*args: int) -> When:
    return When(instant=datetime(*args, tzinfo=ZoneInfo(BERLIN)), tz=BERLIN)


def _stamps(lines: list[str], start: When, horizon: date = date(2040, 1, 1)) -> list[str]:
    return [recurrence.suffix(s) for s in recurrence.expand(tuple(lines), start, horizon, 5000)]


def test_weekly_rule_keeps_wall_time_across_daylight_saving() -> None:
    stamps = _stamps(["RRULE:FREQ=WEEKLY;COUNT=3"], _berlin(2031, 3, 17, 10))
    assert stamps == ["20310317T090000Z", "20310324T090000Z", "20310331T080000Z"]


def test_exdate_rdate_and_until_forms() -> None:
    start = _berlin(2031, 1, 6, 10)
    lines = [
        "RRULE:FREQ=DAILY;UNTIL=20310109",
        "EXDATE;TZID=Europe/Berlin:20310107T100000",
        "RDATE:20310120T090000Z",
    ]
    assert _stamps(lines, start) == [
        "20310106T090000Z",
        "20310108T090000Z",
        "20310109T090000Z",
        "20310120T090000Z",
    ]
    assert _stamps(["RRULE:FREQ=DAILY;UNTIL=20310107T090000Z"], start) == [
        "20310106T090000Z",
        "20310107T090000Z",
    ]


def test_all_day_series_use_dates() -> None:
    start = When(day=date(2031, 2, 27))
    lines = ["RRULE:FREQ=DAILY;COUNT=4", "EXDATE;VALUE=DATE:20310301"]
    assert _stamps(lines, start) == ["20310227", "20310228", "20310302"]


def test_open_ended_series_stop_at_the_horizon_and_the_cap() -> None:
    """The horizon counts from today or from the series' start, whichever is later."""
    start = When(instant=datetime(2091, 1, 1, 9, tzinfo=UTC), tz="UTC")
    body = {
        "recurrence": ["RRULE:FREQ=DAILY"],
        "start": {"dateTime": "2091-01-01T09:00:00Z", "timeZone": "UTC"},
    }
    slots = Expander(horizon_days=10).slots(body)
    assert slots[0] == start
    assert slots[-1].instant == datetime(2091, 1, 10, 9, tzinfo=UTC)
    assert len(Expander(horizon_days=3650, max_instances=50).slots(body)) == 50


@pytest.mark.parametrize(
    "lines",
    [
        ["RRULE:FREQ=SOMETIMES"],
        ["RRULE:FREQ=DAILY;COUNT=2;UNTIL=20310101T000000Z"],
        ["DTSTART:20310101T000000Z"],
        ["nonsense"],
        "RRULE:FREQ=DAILY",
        [1],
    ],
)
def test_bad_rules_are_refused(lines: Any) -> None:
    with pytest.raises(errors.ApiError) as refused:
        recurrence.validate(lines, _berlin(2031, 1, 1, 10))
    assert refused.value.status == 400


def _series(service: Any, **fields: Any) -> dict[str, Any]:
    body = timed(
        "standup",
        "2031-03-17T10:00:00",
        "2031-03-17T10:15:00",
        tz=BERLIN,
        recurrence=["RRULE:FREQ=DAILY;COUNT=5"],
        **fields,
    )
    return dict(service.events().insert(calendarId="primary", body=body).execute())


def test_single_events_expands_series_into_instances(google_service) -> None:
    series = _series(google_service)
    instances, _ = list_all(google_service, singleEvents=True)
    assert [i["id"] for i in instances] == [
        f"{series['id']}_2031031{d}T090000Z" for d in range(7, 10)
    ] + [f"{series['id']}_2031032{d}T090000Z" for d in range(0, 2)]
    first = instances[0]
    assert first["recurringEventId"] == series["id"]
    assert "recurrence" not in first
    assert first["originalStartTime"] == {
        "dateTime": "2031-03-17T10:00:00+01:00",
        "timeZone": BERLIN,
    }
    assert first["end"]["dateTime"] == "2031-03-17T10:15:00+01:00"
    masters, _ = list_all(google_service)
    assert [m["id"] for m in masters] == [series["id"]]
    assert masters[0]["recurrence"]


def test_instances_exceptions_and_cancellations(google_service) -> None:
    series = _series(google_service)
    events = google_service.events()
    listed = events.instances(calendarId="primary", eventId=series["id"]).execute()["items"]
    second, third = listed[1]["id"], listed[2]["id"]
    moved = events.patch(
        calendarId="primary",
        eventId=second,
        body={
            "summary": "moved",
            "start": {"dateTime": "2031-03-18T12:00:00+01:00"},
            "end": {"dateTime": "2031-03-18T12:15:00+01:00"},
        },
    ).execute()
    assert moved["id"] == second
    assert moved["recurringEventId"] == series["id"]
    assert moved["originalStartTime"]["dateTime"] == "2031-03-18T10:00:00+01:00"
    events.delete(calendarId="primary", eventId=third).execute()
    with pytest.raises(HttpError) as again:
        events.delete(calendarId="primary", eventId=third).execute()
    assert again.value.resp.status == 410
    after = {
        i["id"]: i
        for i in events.instances(calendarId="primary", eventId=series["id"]).execute()["items"]
    }
    assert third not in after
    assert after[second]["summary"] == "moved"
    default, _ = list_all(google_service)
    statuses = {e["id"]: e["status"] for e in default}
    assert statuses == {series["id"]: "confirmed", second: "confirmed", third: "cancelled"}
    assert (
        events.get(calendarId="primary", eventId=listed[4]["id"]).execute()["summary"] == "standup"
    )
    with pytest.raises(HttpError) as missing:
        events.get(calendarId="primary", eventId=f"{series['id']}_20310317T080000Z").execute()
    assert missing.value.resp.status == 404


def test_series_changes_arrive_as_instance_changes(google_service) -> None:
    series = _series(google_service)
    _, token = list_all(google_service, singleEvents=True)
    events = google_service.events()
    events.patch(
        calendarId="primary",
        eventId=series["id"],
        body={"summary": "renamed", "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]},
    ).execute()
    changes, token = list_all(google_service, singleEvents=True, syncToken=token)
    status = {c["id"]: (c["status"], c.get("summary")) for c in changes}
    assert [v for v in status.values() if v[0] == "confirmed"] == [("confirmed", "renamed")] * 3
    cancelled = sorted(k for k, v in status.items() if v[0] == "cancelled")
    assert cancelled == [f"{series['id']}_20310320T090000Z", f"{series['id']}_20310321T090000Z"]
    assert all(c["recurringEventId"] == series["id"] for c in changes)
    events.delete(calendarId="primary", eventId=series["id"]).execute()
    gone, _ = list_all(google_service, singleEvents=True, syncToken=token)
    assert sorted(g["id"] for g in gone if g["status"] == "cancelled") == sorted(
        k for k, v in status.items() if v[0] == "confirmed"
    )


def test_single_event_turned_into_a_series_and_back(google_service) -> None:
    single = (
        google_service.events()
        .insert(
            calendarId="primary",
            body=timed("x", "2031-03-17T10:00:00", "2031-03-17T11:00:00", tz=BERLIN),
        )
        .execute()
    )
    _, token = list_all(google_service, singleEvents=True)
    google_service.events().patch(
        calendarId="primary",
        eventId=single["id"],
        body={"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=2"]},
    ).execute()
    changes, token = list_all(google_service, singleEvents=True, syncToken=token)
    assert {c["id"]: c["status"] for c in changes} == {
        single["id"]: "cancelled",
        f"{single['id']}_20310317T090000Z": "confirmed",
        f"{single['id']}_20310324T090000Z": "confirmed",
    }


def test_all_day_series_and_bad_series(google_service) -> None:
    body = all_day(
        "birthday-ish", "2031-02-27", "2031-02-28", recurrence=["RRULE:FREQ=YEARLY;COUNT=2"]
    )
    series = google_service.events().insert(calendarId="primary", body=body).execute()
    instances, _ = list_all(google_service, singleEvents=True)
    assert [i["id"] for i in instances] == [f"{series['id']}_20310227", f"{series['id']}_20320227"]
    assert instances[1]["end"] == {"date": "2032-02-28"}
    no_zone = timed(
        "x", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z", recurrence=["RRULE:FREQ=DAILY"]
    )
    with pytest.raises(HttpError) as refused:
        google_service.events().insert(calendarId="primary", body=no_zone).execute()
    assert refused.value.resp.status == 400
    bad = timed(
        "x", "2031-01-01T10:00:00", "2031-01-01T11:00:00", tz=BERLIN, recurrence=["RRULE:X"]
    )
    with pytest.raises(HttpError) as invalid:
        google_service.events().insert(calendarId="primary", body=bad).execute()
    assert invalid.value.error_details[0]["reason"] == "invalid"


class InstanceMirror:
    """A client that pulls ``singleEvents=true`` and keeps the live instances it learnt of."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.events: dict[str, dict[str, Any]] = {}
        items, self.token = list_all(service, singleEvents=True, maxResults=4)
        self.apply(items)

    def apply(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["status"] == "cancelled":
                self.events.pop(item["id"], None)
            else:
                self.events[item["id"]] = item

    def sync(self) -> None:
        items, self.token = list_all(
            self.service, singleEvents=True, syncToken=self.token, maxResults=3
        )
        self.apply(items)


series_ops = st.lists(
    st.tuples(
        st.sampled_from(["series", "single", "count", "shift", "cancel", "edit", "delete", "sync"]),
        st.integers(0, 20),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=series_ops)
def test_single_events_mirror_follows_series_changes(
    google: GoogleSim, ops: list[tuple[str, int]]
) -> None:
    google.reset()
    google.create_user("series@example.com")
    service = google.service("series@example.com")
    events = service.events()
    mirror = InstanceMirror(service)
    for op, n in ops:
        live = [e for e in list_all(service)[0] if e["status"] != "cancelled"]
        series = [e for e in live if "recurrence" in e]
        instances = [e for e in list_all(service, singleEvents=True)[0] if "recurringEventId" in e]
        if op == "series":
            body = timed(
                f"s{n}",
                "2031-03-27T10:00:00",
                "2031-03-27T11:00:00",
                tz=BERLIN,
                recurrence=[f"RRULE:FREQ=DAILY;COUNT={n % 5 + 1}"],
            )
            events.insert(calendarId="primary", body=body).execute()
        elif op == "single":
            body = timed(f"x{n}", "2031-03-27T10:00:00Z", "2031-03-27T11:00:00Z")
            events.insert(calendarId="primary", body=body).execute()
        elif op == "count" and series:
            rule = {"recurrence": [f"RRULE:FREQ=DAILY;COUNT={n % 6 + 1}"]}
            events.patch(
                calendarId="primary", eventId=series[n % len(series)]["id"], body=rule
            ).execute()
        elif op == "shift" and series:
            target = series[n % len(series)]
            hour = 10 + n % 3
            body = {
                "start": {"dateTime": f"2031-03-27T{hour}:00:00", "timeZone": BERLIN},
                "end": {"dateTime": f"2031-03-27T{hour}:30:00", "timeZone": BERLIN},
            }
            events.patch(calendarId="primary", eventId=target["id"], body=body).execute()
        elif op in ("cancel", "edit") and instances:
            target = instances[n % len(instances)]["id"]
            if op == "cancel":
                events.delete(calendarId="primary", eventId=target).execute()
            else:
                events.patch(
                    calendarId="primary", eventId=target, body={"summary": f"e{n}"}
                ).execute()
        elif op == "delete" and live:
            events.delete(calendarId="primary", eventId=live[n % len(live)]["id"]).execute()
        if op == "sync" or n % 2:
            mirror.sync()
    mirror.sync()
    truth = {item["id"]: item for item in list_all(service, singleEvents=True)[0]}
    assert mirror.events == truth
