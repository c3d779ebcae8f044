"""The activity store: outbox in the same transaction, version + 1, visibility, read-only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from calsync.domain.activity import LinkedItemKind, Visibility
from calsync.domain.schedule import evolve
from calsync.errors import InvalidInput, NotFound, ReadOnly, VersionMismatch

from tests.unit.services.harness import World

MEETING = {
    "type": "meeting",
    "subject": "Kick-off",
    "start": "2031-03-04T10:00:00+01:00",
    "end": "2031-03-04T11:00:00+01:00",
    "timezone": "Europe/Berlin",
    "note": "bring the contract",
}
RANGE = ("2031-03-01T00:00:00Z", "2031-03-31T00:00:00Z")


def _create(world: World, body: dict[str, Any] | None = None, user: Any = None) -> Any:
    return world.services.activities.create(user or world.demo, body or MEETING)


def test_create_stores_version_1_owned_by_the_caller(world: World) -> None:
    created = _create(world)
    assert (created.owner_id, created.version, created.origin.value) == ("u-demo", 1, "crm")
    assert created.start == datetime.fromisoformat("2031-03-04T10:00:00+01:00")
    stored = world.storage.session().activities.get("c1", created.id)
    assert stored is not None
    assert stored.note == "bring the contract"


def test_a_change_writes_the_outbox_of_each_syncing_account_and_asks_for_jobs(world: World) -> None:
    syncing = world.start(world.demo, "demo@gmail.test")
    stopped = world.start(world.demo, "demo2@gmail.test")
    world.services.lifecycle.stop(world.demo, stopped.id)
    world.queue.take()
    world.later(seconds=10)  # past the start's coalescing window
    created = _create(world)
    outbox = world.storage.session().outbox
    entry = outbox.get(syncing.id, created.id)
    assert entry is not None
    assert (entry.op, entry.activity_version) == ("upsert", 1)
    assert outbox.get(stopped.id, created.id) is None
    # push-only jobs: a CRM change needs no pull first, and has a task name of its own
    [job] = world.queue.take()
    assert (job.account_id, job.pull) == (syncing.id, False)
    assert (job.key or "").startswith(f"push-{syncing.id}-")
    world.later(seconds=10)

    changed = world.services.activities.patch(world.demo, created.id, {"subject": "Kick-off 2"})
    assert changed.version == 2
    entry = outbox.get(syncing.id, created.id)
    assert entry is not None
    assert entry.activity_version == 2

    world.services.activities.delete(world.demo, created.id)
    entry = outbox.get(syncing.id, created.id)
    assert entry is not None
    assert (entry.op, entry.activity_version) == ("delete", 3)
    assert world.storage.session().activities.get("c1", created.id) is None
    # the edit and the deletion came in one window: one push-only job at once, one at its end
    jobs = world.queue.take()
    assert [(job.account_id, job.pull) for job in jobs] == [(syncing.id, False)] * 2
    assert jobs[0].at is not None
    assert jobs[1].at is not None
    assert jobs[0].at < jobs[1].at


def test_patch_changes_only_what_is_sent_and_can_switch_to_all_day(world: World) -> None:
    created = _create(world)
    changed = world.services.activities.patch(
        world.demo, created.id, {"all_day": True, "start": "2031-03-04", "end": "2031-03-05"}
    )
    assert changed.all_day
    assert (changed.start, changed.end) == (date(2031, 3, 4), date(2031, 3, 5))
    assert changed.subject == "Kick-off"
    assert changed.note == "bring the contract"


def test_patch_with_a_stale_version_is_refused(world: World) -> None:
    created = _create(world)
    world.services.activities.patch(world.demo, created.id, {"subject": "v2"})
    with pytest.raises(VersionMismatch):
        world.services.activities.patch(world.demo, created.id, {"subject": "v3", "version": 1})
    changed = world.services.activities.patch(
        world.demo, created.id, {"subject": "v3", "version": 2}
    )
    assert changed.version == 3


def test_echoing_server_fields_is_fine_changing_them_is_not(world: World) -> None:
    created = _create(world)
    echoed = {**created.model_dump(mode="json"), "subject": "Echoed"}
    assert world.services.activities.patch(world.demo, created.id, echoed).subject == "Echoed"
    with pytest.raises(InvalidInput) as refused:
        world.services.activities.patch(world.demo, created.id, {"owner_id": "u-bob"})
    assert set(refused.value.fields) == {"owner_id"}
    with pytest.raises(InvalidInput) as refused:
        _create(world, {**MEETING, "id": "mine", "origin": "calendar"})
    assert set(refused.value.fields) == {"id", "origin"}


def test_read_only_activities_refuse_changes_with_a_reason(world: World) -> None:
    created = _create(world)
    stored = world.storage.session().activities.get("c1", created.id)
    assert stored is not None
    world.storage.session().activities.put(evolve(stored, read_only=True))
    writes = world.writes()
    with pytest.raises(ReadOnly) as refused:
        world.services.activities.patch(world.demo, created.id, {"subject": "x"})
    assert "calendar" in refused.value.message
    with pytest.raises(ReadOnly):
        world.services.activities.delete(world.demo, created.id)
    assert world.writes() == writes


def test_only_the_owner_reads_or_changes_one_activity(world: World) -> None:
    created = _create(world)
    for user in (world.bob, world.eve):
        with pytest.raises(NotFound):
            world.services.activities.get(user, created.id)
        with pytest.raises(NotFound):
            world.services.activities.patch(user, created.id, {"subject": "mine now"})
        with pytest.raises(NotFound):
            world.services.activities.delete(user, created.id)
    assert world.services.activities.get(world.demo, created.id).subject == "Kick-off"


def test_others_see_only_me_and_restricted_items_as_busy_blocks(world: World) -> None:
    world.add_item(LinkedItemKind.DEAL, "d-open", world.demo)
    world.add_item(LinkedItemKind.DEAL, "d-secret", world.demo, public=False)
    public = _create(world, {**MEETING, "subject": "Public", "deal_id": "d-open"})
    private = _create(world, {**MEETING, "subject": "Private", "visibility": "only_me"})
    secret = _create(world, {**MEETING, "subject": "Secret deal", "deal_id": "d-secret"})
    seen = {v.id: v for v in world.services.activities.in_range(world.bob, *RANGE)}
    assert seen[public.id].subject == "Public"
    assert not seen[public.id].details_hidden
    for hidden in (private, secret):
        block = seen[hidden.id]
        assert block.details_hidden
        assert (block.subject, block.note, block.type, block.deal_id) == ("Busy", "", None, None)
        assert (block.start, block.end, block.busy) == (hidden.start, hidden.end, True)
    mine = {v.id: v for v in world.services.activities.in_range(world.demo, *RANGE)}
    assert mine[secret.id].subject == "Secret deal"
    assert world.services.activities.in_range(world.eve, *RANGE) == []


def test_list_filters_by_owner_and_range(world: World) -> None:
    _create(world)
    _create(world, {**MEETING, "start": "2031-05-01T10:00:00Z", "end": "2031-05-01T11:00:00Z"})
    _create(world, user=world.bob)
    assert len(world.services.activities.in_range(world.demo, *RANGE)) == 2
    assert len(world.services.activities.in_range(world.demo, *RANGE, owner_id="u-bob")) == 1


@pytest.mark.parametrize(
    ("start", "end", "fields"),
    [
        (None, None, {"start", "end"}),
        ("2031-03-01T00:00:00", "2031-03-02T00:00:00Z", {"start"}),
        ("2031-03-02T00:00:00Z", "2031-03-01T00:00:00Z", {"end"}),
        ("2031-01-01T00:00:00Z", "2031-12-31T00:00:00Z", {"end"}),
    ],
)
def test_list_refuses_bad_ranges(
    world: World, start: str | None, end: str | None, fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.services.activities.in_range(world.demo, start, end)
    assert set(refused.value.fields) == fields


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"type": "karaoke"}, {"type"}),
        ({"type": "Bad Type"}, {"type"}),
        ({"start": "tomorrow"}, {"start"}),
        ({"start": "2031-03-04T10:00:00"}, {"start"}),
        ({"end": "2031-03-04T09:00:00+01:00"}, {"end"}),
        ({"all_day": True}, {"start", "end"}),
        ({"all_day": True, "start": "2031-03-05", "end": "2031-03-04"}, {"end"}),
        ({"timezone": "Mars/Olympus"}, {"timezone"}),
        ({"attendees": ["ok@example.com", "nope"]}, {"attendees"}),
        ({"visibility": "friends"}, {"visibility"}),
        ({"subject": "x" * 501}, {"subject"}),
        ({"deal_id": "d-unknown"}, {"deal_id"}),
        ({"person_id": "p-bobs-secret"}, {"person_id"}),
        ({"conference_url": "javascript:alert(1)"}, {"conference_url"}),
        ({"busy": "very"}, {"busy"}),
        ({"mood": "great"}, {"mood"}),
    ],
)
def test_bad_activities_are_refused_naming_each_field(
    world: World, changes: dict[str, Any], fields: set[str]
) -> None:
    world.add_item(LinkedItemKind.PERSON, "p-bobs-secret", world.bob, public=False)
    created = _create(world)
    writes = world.writes()
    with pytest.raises(InvalidInput) as refused:
        _create(world, {**MEETING, **changes})
    assert set(refused.value.fields) == fields
    with pytest.raises(InvalidInput) as refused:
        world.services.activities.patch(world.demo, created.id, changes)
    assert set(refused.value.fields) == fields
    assert world.writes() == writes
    assert world.services.activities.get(world.demo, created.id) == created


@pytest.mark.parametrize("all_day", [False, True])
def test_a_bad_start_is_named_even_when_the_end_is_missing(world: World, all_day: bool) -> None:
    body = {key: value for key, value in MEETING.items() if key != "end"}
    with pytest.raises(InvalidInput) as refused:
        _create(world, {**body, "all_day": all_day, "start": "tomorrow"})
    assert set(refused.value.fields) == {"start", "end"}


def test_a_visibility_default_is_everyone(world: World) -> None:
    assert _create(world).visibility is Visibility.EVERYONE


@pytest.mark.parametrize(
    ("timing", "refused"),
    [
        ({"start": "1901-01-01T00:00:00Z", "end": "1901-01-01T01:00:00Z"}, set()),
        ({"start": "4999-12-31T10:00:00Z", "end": "4999-12-31T11:00:00Z"}, set()),
        ({"start": "1901-01-01T00:00:00+01:00", "end": "1901-01-01T01:00:00Z"}, {"start"}),
        ({"start": "1900-12-31T23:00:00Z", "end": "5000-01-01T00:00:00Z"}, {"start", "end"}),
        ({"all_day": True, "start": "1901-01-01", "end": "4999-12-31"}, set()),
        ({"all_day": True, "start": "1900-12-31", "end": "5000-01-01"}, {"start", "end"}),
    ],
)
def test_activities_lie_within_the_supported_years(
    world: World, timing: dict[str, Any], refused: set[str]
) -> None:
    """Years 1901-4999, as written and in UTC (the simulator takes 1900-5000)."""
    body = {**MEETING, **timing}
    if not refused:
        assert _create(world, body).version == 1
        return
    writes = world.writes()
    with pytest.raises(InvalidInput) as error:
        _create(world, body)
    assert set(error.value.fields) == refused
    assert all("1901 to 4999" in error.value.fields[name] for name in refused)
    assert world.writes() == writes


@pytest.mark.parametrize("name", ["America", "Europe", "America/Argentina", "A" * 5000, ""])
def test_a_zone_that_is_no_zone_is_refused_by_name(world: World, name: str) -> None:
    with pytest.raises(InvalidInput) as error:
        _create(world, {**MEETING, "timezone": name})
    assert set(error.value.fields) == {"timezone"}
    assert len(error.value.fields["timezone"]) < 200  # a huge name is not echoed back


def test_each_synced_field_keeps_the_time_the_crm_last_changed_it(world: World) -> None:
    """What the engine's merge judges each field by (the later change of a field wins)."""
    created = _create(world)
    made_at = world.clock.now()
    world.later(minutes=5)
    world.services.activities.patch(world.demo, created.id, {"location": "Room 2", "note": "x"})
    stored = world.storage.session().activities.get("c1", created.id)
    assert stored is not None
    assert stored.changed_at["location"] == world.clock.now()
    assert stored.changed_at["subject"] == made_at  # not changed since it was created
    assert "note" not in stored.changed_at  # never leaves the CRM: not merged
