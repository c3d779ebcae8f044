"""Account queries: ownership, calendars, a separate calendar on request, preview, conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.domain.account import AccountStatus, PrivateEvents
from calsync.domain.link import Conflict, Side
from calsync.errors import InvalidInput, NeedsReauthorization, NotFound

from tests.unit.services.harness import World


def test_a_user_lists_and_reads_only_their_own_accounts(world: World) -> None:
    mine = world.connect(world.demo, "demo@gmail.test")
    theirs = world.connect(world.bob, "bob@gmail.test")
    assert [a.id for a in world.services.accounts.for_user(world.demo)] == [mine.id]
    assert world.services.accounts.get(world.demo, mine.id) == mine
    with pytest.raises(NotFound):
        world.services.accounts.get(world.demo, theirs.id)
    with pytest.raises(NotFound):
        world.services.accounts.get(world.eve, mine.id)  # another company


def test_calendars_come_from_the_provider(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    world.calendar.add_calendar("demo@gmail.test", "team@group.memory")
    calendars = world.services.accounts.calendars(world.demo, account.id)
    assert {c.id for c in calendars} == {"demo@gmail.test", "team@group.memory"}


def test_a_dead_authorization_turns_the_account_to_needs_reauth(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    world.calendar.revoke("demo@gmail.test")
    with pytest.raises(NeedsReauthorization):
        world.services.accounts.calendars(world.demo, account.id)
    after = world.account(account.id)
    assert after.status is AccountStatus.NEEDS_REAUTH
    assert after.error is not None
    assert "reconnect" in after.error.message


def test_create_calendar_makes_crm_activities_once(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    created, new = world.services.accounts.create_calendar(world.demo, account.id, {})
    assert new
    assert (created.name, created.writable) == ("CRM activities", True)
    again, new_again = world.services.accounts.create_calendar(world.demo, account.id, {})
    assert (again.id, new_again) == (created.id, False)
    assert world.calendar.calls["calendars.insert"] == 1


def test_create_calendar_uses_the_primary_calendars_zone(world: World) -> None:
    world.calendar.add_user("demo@gmail.test", timezone="Europe/Berlin")
    account = world.connect(world.demo, "demo@gmail.test")
    created, _ = world.services.accounts.create_calendar(world.demo, account.id, {"name": "Work"})
    assert created.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"timezone": "Mars/Base"}, "timezone"),
    ],
)
def test_create_calendar_refuses_bad_names(world: World, body: dict[str, str], field: str) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    with pytest.raises(InvalidInput) as refused:
        world.services.accounts.create_calendar(world.demo, account.id, body)
    assert field in refused.value.fields
    assert world.calendar.calls["calendars.insert"] == 0


@pytest.mark.parametrize(
    ("option", "others_title", "owner_shown"),
    [("everyone", "Doctor's appointment", True), ("only_me", "Busy", True), ("skip", None, False)],
)
def test_private_event_preview(
    world: World, option: str, others_title: str | None, owner_shown: bool
) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    preview = world.services.accounts.preview(world.demo, account.id, option)
    assert preview.option is PrivateEvents(option)
    assert preview.calendar.title == "Doctor's appointment"
    assert preview.others.title == others_title
    assert preview.owner.shown is owner_shown
    assert preview.others.details is (option == "everyone")
    assert preview.others.blocks_time is (option != "skip")


def test_preview_defaults_to_the_saved_option_and_refuses_unknown_ones(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test", private_events="skip")
    assert (
        world.services.accounts.preview(world.demo, account.id, None).option is PrivateEvents.SKIP
    )
    with pytest.raises(InvalidInput) as refused:
        world.services.accounts.preview(world.demo, account.id, "sometimes")
    assert "option" in refused.value.fields


def test_conflicts_newest_first_and_bounded(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    for minute in range(3):
        world.storage.session().conflicts.add(
            Conflict(
                id=f"k{minute}",
                account_id=account.id,
                activity_id="a1",
                event_id="e1",
                field="subject",
                crm_value="CRM",
                calendar_value="Calendar",
                winner=Side.CALENDAR,
                reason="the calendar edit was later",
                decided_at=world.clock.now() + timedelta(minutes=minute),
            )
        )
    found = world.services.accounts.conflicts(world.demo, account.id, limit=2)
    assert [c.id for c in found] == ["k2", "k1"]
    with pytest.raises(InvalidInput):
        world.services.accounts.conflicts(world.demo, account.id, limit=0)
    with pytest.raises(NotFound):
        world.services.accounts.conflicts(world.bob, account.id)
