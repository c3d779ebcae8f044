"""Hostile input through the WSGI app never gets a 500, over memory storage and over Firestore
(the emulator), where values meet the codec and the queries.

The strategies aim at what broke before: instants at the ends of what datetime can hold, with
offsets that push them past those ends in UTC; names of zone-database directories and names
too long for the file system; digits of other scripts; JSON nested deeper than the decoder's
recursion limit. They are mixed into otherwise valid bodies, so they reach the validation of
one field at a time rather than being refused for something else first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from calsync.store.firestore import FirestoreStorage
from google.cloud import firestore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.http.test_http_bad_input import BODY_ROUTES, LUNCH
from tests.unit.services.harness import Api, World

ALL_DAY = {"type": "lunch", "all_day": True, "start": "2031-03-04", "end": "2031-03-04"}
BASES = {  # a valid body per route: the fuzzed fields replace some of its values
    "/oauth/start": {"provider": "google", "email": "someone@gmail.test"},
    "/oauth/confirm": {"account_id": "a1", "code": "c1"},
    "/accounts/{id}/calendars": {"name": "Fuzzed"},
    "/activities": LUNCH,
    "/activities/{activity}": {"subject": "fuzzed"},
}
ZONES = ["America", "Europe", "America/Argentina", "A" * 5000, "", "../../etc/passwd",
         "zone.tab", "posixrules", "\x00", "Mars/Olympus", "Europe/Berlin"]  # fmt: skip

EAST, WEST = timezone(timedelta(hours=14)), timezone(timedelta(hours=-12, minutes=-59))
OFFSETS = [UTC, EAST, WEST]
anywhen = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59),
    timezones=st.sampled_from(OFFSETS),
)  # fmt: skip
# Instants whose UTC reading lies before year 1 or after 9999.
edges = st.datetimes(min_value=datetime(9999, 12, 31), timezones=st.just(WEST)) | st.datetimes(
    max_value=datetime(1, 1, 1, 23, 59), timezones=st.just(EAST)
)
moments = anywhen | edges
instants = moments.map(lambda moment: moment.isoformat())
days = st.dates().map(lambda day: day.isoformat())
zones = st.sampled_from(ZONES) | st.text(max_size=70) | st.text(min_size=65, max_size=5000)
foreign_digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6)
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    scalars | instants | days | zones | foreign_digits,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _after(moment: datetime, delta: timedelta) -> str:
    try:
        return (moment + delta).isoformat()
    except OverflowError:
        return moment.isoformat()


# A start and an end in order (so the range check does not refuse them first), anywhere.
def _timed(start: datetime, delta: timedelta) -> dict[str, Any]:
    return {"all_day": False, "start": start.isoformat(), "end": _after(start, delta)}


timed = st.builds(_timed, moments, st.timedeltas(timedelta(0), timedelta(hours=3)))
edge_days = st.dates() | st.dates(min_value=date(9999, 12, 30)) | st.dates(max_value=date(1, 1, 2))
all_day = st.builds(
    lambda day: {"all_day": True, "start": day.isoformat(), "end": day.isoformat()}, edge_days
)
HOSTILE = {  # per field: values of the right kind at their extremes, and of any kind
    "timezone": zones, "start": instants | days, "end": instants | days, "all_day": st.booleans(),
    "export_types": st.lists(foreign_digits | st.text(max_size=5), max_size=3),
    "attendees": st.lists(st.text(max_size=12) | foreign_digits, max_size=3),
    "name": st.text(max_size=120), "email": st.text(max_size=40), "version": st.integers(),
    "calendar_id": st.text(max_size=30), "sync_type": st.text(max_size=8), "type": foreign_digits,
    "account_id": st.text(max_size=30), "code": st.text(max_size=30), "subject": st.text(),
    "provider": st.text(max_size=8), "visibility": foreign_digits,
}  # fmt: skip
hostile_fields = st.lists(st.sampled_from(sorted(HOSTILE)), unique=True, max_size=4).flatmap(
    lambda names: st.fixed_dictionaries({name: HOSTILE[name] | json_values for name in names})
)
changes = (timed | all_day | st.just({})).flatmap(
    lambda timing: hostile_fields.map(lambda fields: {**timing, **fields})
)
deep_bodies = st.integers(min_value=17, max_value=40_000).map(  # under the 256 KB limit
    lambda n: (b"[" * n + b"]" * n) if n % 2 else (b'{"a":' * n + b"1" + b"}" * n)
)
READ_BODY = [r for r in BODY_ROUTES if not r[1].endswith("/stop")]  # stop takes no body
query_values = instants | days | foreign_digits | st.integers().map(str) | st.text(max_size=30)


@pytest.fixture(params=["memory", "firestore"])
def fuzzed(request: pytest.FixtureRequest) -> tuple[Api, World]:
    if request.param == "memory":
        world = World()
    else:
        client: firestore.Client = request.getfixturevalue("firestore_client")
        world = World(storage=FirestoreStorage(client))
    return Api(world), world


def _account(world: World) -> str:
    accounts = world.services.accounts.for_user(world.demo)
    return accounts[0].id if accounts else world.start(world.demo, "demo@gmail.test").id


def _path(world: World, path: str) -> str:
    """`path` with the demo user's account (and one of their activities) in it."""
    if "{id}" in path and path.startswith("/activities"):
        path = path.replace("{id}", "{activity}")
        found = world.storage.session().activities.for_owner("c1", world.demo.id)
        activity = next(iter(found), None) or world.services.activities.create(world.demo, LUNCH)
        path = path.replace("{activity}", activity.id)
    return path.replace("{id}", _account(world))


def _base(path: str) -> dict[str, Any]:
    return dict(BASES.get(path.replace("/activities/{id}", "/activities/{activity}"), {}))


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(route=st.sampled_from(BODY_ROUTES), fields=changes, raw=json_values, whole=st.booleans())
def test_no_body_ever_causes_a_500(
    fuzzed: tuple[Api, World], route: tuple[str, str], fields: Any, raw: Any, whole: bool
) -> None:
    """`whole`: a valid body with hostile fields in it; else any JSON value at all."""
    api, world = fuzzed
    method, path = route
    body = {**_base(path), **fields} if whole else raw
    answer = api(method, _path(world, path), json=body if body is not None else {})
    assert answer.status_code < 500, (method, path, body, answer.json)


ACTIVITY_WRITES = [("POST", "/activities"), ("PATCH", "/activities/{id}")]
ZONED = [("POST", "/accounts/{id}/calendars"), *ACTIVITY_WRITES]


@FUZZ
@given(route=st.sampled_from(ACTIVITY_WRITES), timing=timed | all_day, fields=hostile_fields)
def test_no_activity_timing_ever_causes_a_500(
    fuzzed: tuple[Api, World], route: tuple[str, str], timing: Any, fields: Any
) -> None:
    """Start and end anywhere datetime reaches (near its ends most of all), in order."""
    api, world = fuzzed
    method, path = route
    body = {**LUNCH, **fields, **timing}
    answer = api(method, _path(world, path), json=body)
    assert answer.status_code < 500, (method, path, body, answer.json)


@FUZZ
@given(route=st.sampled_from(ZONED), zone=zones, timing=timed | all_day | st.just({}))
def test_no_time_zone_ever_causes_a_500(
    fuzzed: tuple[Api, World], route: tuple[str, str], zone: str, timing: Any
) -> None:
    api, world = fuzzed
    method, path = route
    body = {**_base(path), **timing, "timezone": zone}
    answer = api(method, _path(world, path), json=body)
    assert answer.status_code < 500, (method, path, body, answer.json)


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@FUZZ
@given(route=st.sampled_from(READ_BODY), raw=deep_bodies)
def test_no_deeply_nested_body_causes_a_500(
    fuzzed: tuple[Api, World], route: tuple[str, str], raw: bytes
) -> None:
    api, world = fuzzed
    method, path = route
    headers = {"Content-Type": "application/json"}
    answer = api(method, _path(world, path), data=raw, headers=headers)
    assert answer.status_code == 400, (method, path, len(raw), answer.json)
    assert answer.json["error"]["fields"] == {"body": "nested over 16 levels deep"}


# A range in order and short enough (so only its ends can be wrong), or any two values.
ranges = timed.map(lambda t: (t["start"], t["end"])) | st.tuples(query_values, query_values)


@FUZZ
@given(bounds=ranges, limit=query_values, option=query_values)
def test_no_query_ever_causes_a_500(
    fuzzed: tuple[Api, World], bounds: tuple[str, str], limit: str, option: str
) -> None:
    api, world = fuzzed
    account_id = _account(world)
    start, end = bounds
    for path in (
        f"/activities?start={quote(start)}&end={quote(end)}",
        f"/accounts/{account_id}/conflicts?limit={quote(limit)}",
        f"/accounts/{account_id}/private-event-preview?option={quote(option)}",
    ):
        answer = api("GET", path)
        assert answer.status_code < 500, (path, answer.json)
