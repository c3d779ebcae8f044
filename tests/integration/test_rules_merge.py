"""Rules of the sync: concurrent edits merge field by field; the later change of a field wins;
every such decision is recorded on the account."""

from __future__ import annotations

from datetime import timedelta

from calsync.domain import Side

from tests.integration.world import World


def _synced(world: World) -> tuple[str, str, str]:
    account = world.connect()
    activity = world.crm_create(subject="Kickoff", location="Room 1")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    return account.id, activity.id, event.id


def test_changes_to_different_fields_are_both_kept(world: World) -> None:
    account_id, activity_id, event_id = _synced(world)
    world.crm_update(activity_id, subject="Kickoff (final)")
    world.cal().update(world.cal().email, event_id, location="Room 2")
    world.sync()
    activity, event = world.activity(activity_id), world.event_for(activity_id)
    assert activity is not None
    assert event is not None
    assert (activity.subject, activity.location) == ("Kickoff (final)", "Room 2")
    assert (event.summary, event.location) == ("Kickoff (final)", "Room 2")
    assert world.conflicts(account_id) == []


def test_a_push_only_job_merges_a_calendar_edit_it_did_not_pull(world: World) -> None:
    """The CRM change's own job lists nothing; its If-Match update meets the user's edit (STALE)
    and merges it; the edit's notification comes later and finds nothing left to do."""
    account_id, activity_id, event_id = _synced(world)
    world.cal().update(world.cal().email, event_id, location="Room 2")
    world.crm_update(activity_id, subject="Kickoff (final)")
    cursor = world.account(account_id).sync.cursor
    [done] = world.run_jobs()
    assert done.outcome.value == "done"
    assert world.account(account_id).sync.cursor == cursor  # it did not pull
    activity, event = world.activity(activity_id), world.event_for(activity_id)
    assert activity is not None
    assert event is not None
    assert (activity.subject, activity.location) == ("Kickoff (final)", "Room 2")
    assert (event.summary, event.location) == ("Kickoff (final)", "Room 2")
    etag = event.etag
    world.sync()  # the notification of the user's edit (and of calsync's update)
    assert world.event_for(activity_id).etag == etag
    assert world.conflicts(account_id) == []


def test_the_later_calendar_change_of_a_field_wins_and_is_recorded(world: World) -> None:
    account_id, activity_id, event_id = _synced(world)
    world.crm_update(activity_id, subject="From the CRM")
    world.clock.advance(timedelta(minutes=1))
    world.cal().update(world.cal().email, event_id, summary="From the calendar")
    world.sync()
    assert world.activity(activity_id).subject == "From the calendar"
    assert world.event_for(activity_id).summary == "From the calendar"
    [decision] = world.conflicts(account_id)
    assert (decision.field, decision.winner) == ("subject", Side.CALENDAR)
    assert (decision.crm_value, decision.calendar_value) == ("From the CRM", "From the calendar")
    assert decision.reason
    assert decision.expires_at == decision.decided_at + timedelta(days=90)  # Firestore's TTL


def test_the_later_crm_change_of_a_field_wins_and_is_recorded(world: World) -> None:
    account_id, activity_id, event_id = _synced(world)
    world.cal().update(world.cal().email, event_id, summary="From the calendar")
    world.clock.advance(timedelta(minutes=1))
    world.crm_update(activity_id, subject="From the CRM")
    world.sync()
    assert world.activity(activity_id).subject == "From the CRM"
    assert world.event_for(activity_id).summary == "From the CRM"
    [decision] = world.conflicts(account_id)
    assert (decision.field, decision.winner) == ("subject", Side.CRM)


def test_attendees_added_on_both_sides_are_all_kept(world: World) -> None:
    world.connect()
    activity = world.crm_create(attendees=("a@example.com",))
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    world.crm_update(activity.id, attendees=("a@example.com", "b@example.com"))
    world.cal().update(event.calendar_id, event.id, attendees=("a@example.com", "c@example.com"))
    world.sync()
    expected = ("a@example.com", "b@example.com", "c@example.com")
    assert world.activity(activity.id).attendees == expected
    assert world.event_for(activity.id).attendees == expected


def test_the_later_change_is_judged_per_field_on_the_crm_side(world: World) -> None:
    """CRM location at t1, calendar location at t2, CRM subject at t3: the calendar's location
    is the later one, although the activity as a whole changed last."""
    account_id, activity_id, event_id = _synced(world)
    world.crm_update(activity_id, location="Room CRM")
    world.clock.advance(timedelta(minutes=1))
    world.cal().update(world.cal().email, event_id, location="Room calendar")
    world.clock.advance(timedelta(minutes=1))
    world.crm_update(activity_id, subject="Kickoff (CRM)")
    world.sync()
    activity, event = world.activity(activity_id), world.event_for(activity_id)
    assert activity is not None
    assert event is not None
    assert (activity.subject, activity.location) == ("Kickoff (CRM)", "Room calendar")
    assert (event.summary, event.location) == ("Kickoff (CRM)", "Room calendar")
    [decision] = world.conflicts(account_id)
    assert (decision.field, decision.winner) == ("location", Side.CALENDAR)


def test_the_calendar_side_is_judged_by_the_events_one_time(world: World) -> None:
    """Calendar location at t1, CRM location at t2, calendar subject at t3: Google tells only
    when the event last changed (t3), so its location counts as the later one. The documented
    limit of the rule: the CRM's location loses, and the decision says so."""
    account_id, activity_id, event_id = _synced(world)
    world.cal().update(world.cal().email, event_id, location="Room calendar")
    world.clock.advance(timedelta(minutes=1))
    world.crm_update(activity_id, location="Room CRM")
    world.clock.advance(timedelta(minutes=1))
    world.cal().update(world.cal().email, event_id, summary="Kickoff (calendar)")
    world.sync()
    activity = world.activity(activity_id)
    assert activity is not None
    assert (activity.subject, activity.location) == ("Kickoff (calendar)", "Room calendar")
    [decision] = world.conflicts(account_id)
    assert (decision.field, decision.winner) == ("location", Side.CALENDAR)
    assert (decision.crm_value, decision.calendar_value) == ("Room CRM", "Room calendar")
