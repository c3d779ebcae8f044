"""Managing: settings edits apply from the next sync; stop, resume; what the account shows."""

from __future__ import annotations

from datetime import timedelta

from calsync.domain import AccountStatus, LinkedItem, LinkedItemKind
from calsync.domain.details import DELIMITER

from tests.integration.world import COMPANY, World


def test_an_added_type_pushes_its_future_activities(world: World) -> None:
    account = world.connect(export_types=("meeting",))
    call = world.crm_create(type="call", subject="Call")
    old_call = world.crm_create(type="call", hours=-2)
    world.sync()
    assert world.event_for(call.id) is None
    world.change_settings(account.id, export_types=("meeting", "call"))
    world.sync()
    assert world.event_for(call.id) is not None
    assert world.event_for(old_call.id) is None


def test_a_removed_type_removes_its_events_and_keeps_the_activities(world: World) -> None:
    account = world.connect(export_types=("meeting", "call"))
    call = world.crm_create(type="call")
    meeting = world.crm_create(type="meeting")
    imported = world.cal_create(summary="From the calendar")
    world.sync()
    world.change_settings(account.id, export_types=("meeting",))
    world.sync()
    assert world.activity(call.id) is not None
    assert world.event_for(call.id) is None
    assert world.event_for(meeting.id) is not None
    assert imported.id in {e.id for e in world.events()}


def test_a_changed_calendar_moves_the_synced_events(world: World) -> None:
    account = world.connect()
    activity = world.crm_create(subject="Moves")
    world.sync()
    old = world.event_for(activity.id)
    assert old is not None
    crm_calendar = world.cal().add_calendar("CRM activities")
    world.change_settings(account.id, calendar_id=crm_calendar)
    world.sync()
    assert world.events() == []
    [moved] = world.events(calendar_id=crm_calendar)
    assert (moved.id, moved.summary) == (old.id, "Moves")
    world.crm_update(activity.id, subject="Still synced")
    world.sync()
    assert world.events(calendar_id=crm_calendar)[0].summary == "Still synced"


def test_a_changed_calendar_leaves_imported_events_where_the_user_put_them(world: World) -> None:
    account = world.connect()
    event = world.cal_create(summary="My own event")
    world.sync()
    activity_id = world.imported_id(account, event.id)
    crm_calendar = world.cal().add_calendar("CRM activities")
    world.change_settings(account.id, calendar_id=crm_calendar)
    world.sync()
    assert [e.id for e in world.events()] == [event.id]  # not moved
    assert world.events(calendar_id=crm_calendar) == []
    kept = world.activity(activity_id)
    assert kept is not None
    world.crm_update(activity_id, location="Edited while not synced")
    world.sync()
    assert world.events()[0].location == ""  # that calendar is not synced now
    world.change_settings(account.id, calendar_id=world.cal().email)  # ... and back
    world.sync()
    assert world.events()[0].location == "Edited while not synced"
    assert len(world.activities()) == 1


def test_switching_back_takes_what_became_of_imported_events_meanwhile(world: World) -> None:
    """Imported events left in a calendar no longer synced, then deleted or moved into the
    past there: the listing that follows the switch back does not show them, so each is asked
    for, and the CRM follows (two-way) instead of keeping a stale twin forever."""
    account = world.connect()
    deleted = world.cal_create(summary="Deleted while not synced")
    moved = world.cal_create(summary="Moved into the past while not synced")
    world.sync()
    moved_id = world.imported_id(account, moved.id)
    world.change_settings(account.id, calendar_id=world.cal().add_calendar("CRM activities"))
    world.sync()
    world.cal().delete(deleted.calendar_id, deleted.id)
    start = world.at(-3)
    world.cal().update(moved.calendar_id, moved.id, start=start, end=start + timedelta(hours=1))
    world.change_settings(account.id, calendar_id=world.cal().email)
    world.sync()
    assert world.activity(world.imported_id(account, deleted.id)) is None
    kept = world.activity(moved_id)
    assert kept is not None
    assert (kept.start, kept.end) == (start, start + timedelta(hours=1))
    assert {link.activity_id for link in world.links(account.id)} == {moved_id}
    assert all(link.state.value == "linked" for link in world.links(account.id))


def test_stop_deletes_nothing_and_resume_catches_up(world: World) -> None:
    account = world.connect()
    activity = world.crm_create(subject="Before the stop")
    world.sync()
    world.stop(account.id)
    world.sync()
    assert world.account(account.id).status is AccountStatus.SYNCED_PREVIOUSLY
    assert world.event_for(activity.id) is not None
    assert world.activity(activity.id) is not None
    world.crm_update(activity.id, subject="While stopped")
    later = world.crm_create(subject="Created while stopped")
    world.sync()
    assert world.event_for(activity.id).summary == "Before the stop"
    world.resume(account.id)
    world.sync()
    assert world.event_for(activity.id).summary == "While stopped"
    assert world.event_for(later.id) is not None


def test_the_deal_and_contact_block_goes_out_and_never_comes_back(world: World) -> None:
    account = world.connect()
    world.link_item(
        LinkedItem(
            kind=LinkedItemKind.DEAL,
            id="d7",
            company_id=COMPANY,
            name="Acme renewal",
            owner_id="ann",
        )
    )
    world.link_item(
        LinkedItem(
            kind=LinkedItemKind.PERSON, id="p3", company_id=COMPANY, name="Dee Doe", owner_id="ann"
        )
    )
    activity = world.crm_create(public_description="Agenda", deal_id="d7", person_id="p3")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    assert event.description.startswith("Agenda\n\n" + DELIMITER)
    assert "Deal: Acme renewal - https://crm.example.com/deals/d7" in event.description
    assert "Person: Dee Doe - https://crm.example.com/persons/p3" in event.description
    world.cal().update(
        event.calendar_id, event.id, description=event.description.replace("Agenda", "New agenda")
    )
    world.sync()
    assert world.activity(activity.id).public_description == "New agenda"
    world.change_settings(account.id, include_deal_and_contact=False)
    world.sync()
    assert world.event_for(activity.id).description == "New agenda"


def test_a_withdrawn_authorization_shows_needs_reauthorization(world: World) -> None:
    account = world.connect()
    world.sync()
    world.cal().revoke()
    world.crm_create()
    world.sync()
    shown = world.account(account.id)
    assert shown.status is AccountStatus.NEEDS_REAUTH
    assert shown.error is not None
    assert shown.error.code == "needs_reauth"  # the same code the services record
    assert "reconnect" in shown.error.message
    calls = len(world.results)
    world.sync()  # no retry storm: the account is no longer synced until reconnected
    assert len(world.results) == calls


def test_a_calendar_that_cannot_be_synced_stops_with_an_error_the_user_can_act_on(
    world: World,
) -> None:
    """The provider refuses the chosen calendar (gone, or never there): a permanent error,
    recorded as `calendar_refused` with what to do, no retries, and nothing lost."""
    account = world.connect()
    activity = world.crm_create(subject="Stays")
    world.sync()
    world.change_settings(account.id, calendar_id="gone@group.calendar.example.com")
    world.sync()
    shown = world.account(account.id)
    assert shown.status is AccountStatus.ERROR
    assert shown.error is not None
    assert shown.error.code == "calendar_refused"
    assert "choose another calendar" in shown.error.message
    assert shown.sync.next_check_at is None
    calls = len(world.results)
    world.sync()  # not synced until the user acts
    assert len(world.results) == calls
    assert world.activity(activity.id) is not None
    assert world.event_for(activity.id) is not None


def test_the_account_shows_its_last_successful_sync(world: World) -> None:
    account = world.connect()
    world.sync()
    shown = world.account(account.id)
    assert shown.sync.last_synced_at is not None
    assert shown.error is None
    assert shown.sync.next_check_at is not None
    assert shown.sync.next_check_at > shown.sync.last_synced_at


def test_an_account_removed_and_connected_again_ties_its_items_back(world: World) -> None:
    """Removing forgets links and decisions but keeps the activities; the same user connecting
    the same calendar again (a new account) finds them: nothing is imported or created twice."""
    first = world.connect()
    event = world.cal_create(summary="Dentist")
    mine = world.crm_create(subject="Mine")
    world.sync()
    imported_id = world.imported_id(first, event.id)
    world.remove(first.id)
    assert world.links(first.id) == []
    assert world.activity(imported_id) is not None  # the activities stay in the CRM
    world.clock.advance(timedelta(minutes=1))
    world.cal().update(event.calendar_id, event.id, location="Room 2")  # while disconnected
    again = world.connect()
    assert again.id != first.id
    world.sync()
    assert sorted(a.subject for a in world.activities()) == ["Dentist", "Mine"]
    assert sorted(e.summary for e in world.events()) == ["Dentist", "Mine"]
    assert world.imported_id(again, event.id) == imported_id
    tied = world.activity(imported_id)
    assert tied is not None
    assert (tied.location, tied.source_account_id) == ("Room 2", again.id)
    assert {link.activity_id for link in world.links(again.id)} == {imported_id, mine.id}
    world.crm_update(imported_id, subject="Dentist (moved)")
    world.sync()
    assert sorted(e.summary for e in world.events()) == ["Dentist (moved)", "Mine"]


def test_turning_the_deal_and_contact_block_on_writes_it_into_existing_events(
    world: World,
) -> None:
    account = world.connect(include_deal_and_contact=False)
    world.link_item(
        LinkedItem(
            kind=LinkedItemKind.DEAL, id="d7", company_id=COMPANY, name="Acme", owner_id="ann"
        )
    )
    activity = world.crm_create(public_description="Agenda", deal_id="d7")
    theirs = world.cal_create(summary="Theirs", description="Their notes")
    world.sync()
    imported_id = world.imported_id(account, theirs.id)
    world.crm_update(imported_id, deal_id="d7")
    world.sync()
    assert world.event_for(activity.id).description == "Agenda"
    assert {e.id: e.description for e in world.events()}[theirs.id] == "Their notes"
    world.change_settings(account.id, include_deal_and_contact=True)
    world.sync()
    block = f"{DELIMITER}\nDeal: Acme - https://crm.example.com/deals/d7"
    descriptions = {e.id: e.description for e in world.events()}
    assert world.event_for(activity.id).description == f"Agenda\n\n{block}"
    assert descriptions[theirs.id] == f"Their notes\n\n{block}"
    # the block never comes back into the CRM as text
    assert world.activity(activity.id).public_description == "Agenda"
    assert world.activity(imported_id).public_description == "Their notes"
    assert world.conflicts(account.id) == []
