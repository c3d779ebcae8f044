"""The mapping between activities, neutral fields and event content."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from calsync.domain import (
    Account,
    Activity,
    CalendarEvent,
    LinkedItem,
    LinkedItemKind,
    Origin,
    PrivateEvents,
    SyncSettings,
    Visibility,
)
from calsync.domain.activity import SYNCED_ATTRIBUTES, stamp_changes
from calsync.domain.details import DELIMITER
from calsync.domain.mapping import (
    activity_from_event,
    apply_fields,
    content_hash,
    event_content,
    fields_from_activity,
    fields_from_event,
    imported_visibility,
    is_future,
    observed_content,
)
from calsync.domain.schedule import evolve

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SETTINGS = SyncSettings(calendar_id="cal")
ACCOUNT = Account(id="acc", company_id="c", user_id="u", email="u@example.com")


def activity(**changes: object) -> Activity:
    base = Activity(
        id="a1",
        company_id="c",
        owner_id="u",
        type="meeting",
        subject="Review",
        start=T0 + timedelta(days=1),
        end=T0 + timedelta(days=1, hours=1),
        created_at=T0,
        updated_at=T0,
    )
    return evolve(base, **changes)


def event(**changes: object) -> CalendarEvent:
    base = CalendarEvent(
        id="e1",
        calendar_id="cal",
        summary="Review",
        start=T0 + timedelta(days=1),
        end=T0 + timedelta(days=1, hours=1),
        updated=T0,
    )
    return evolve(base, **changes)


def test_every_field_maps_from_the_activity() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 2, 1, 10, 0, tzinfo=berlin)
    fields = fields_from_activity(
        activity(
            start=start,
            end=start + timedelta(hours=2),
            timezone="Europe/Berlin",
            location="Room",
            public_description="Public",
            note="Secret",
            busy=False,
            visibility=Visibility.ONLY_ME,
            attendees=("b@x.io",),
            conference_url="https://m/1",
        ),
        SETTINGS,
    )
    assert (fields.start, fields.timezone) == (start, "Europe/Berlin")
    assert (fields.location, fields.description, fields.busy, fields.private) == (
        "Room",
        "Public",
        False,
        True,
    )
    assert fields.attendees == ("b@x.io",)
    assert fields.conference_url == "https://m/1"
    assert "Secret" not in fields.model_dump_json()


def test_every_field_maps_from_the_event_and_the_block_is_dropped() -> None:
    day = date(2030, 2, 2)
    fields = fields_from_event(
        event(
            start=None,
            end=None,
            start_date=day,
            end_date=day,
            location="Home",
            description=f"Text\n\n{DELIMITER}\nDeal: X - url",
            busy=False,
            private=True,
            attendees=("B@X.io", "not an email"),
            conference_url="https://m/2",
        )
    )
    assert (fields.start_date, fields.end_date, fields.start) == (day, day, None)
    assert (fields.location, fields.description, fields.busy, fields.private) == (
        "Home",
        "Text",
        False,
        True,
    )
    assert fields.attendees == ("b@x.io",)
    assert fields.conference_url == "https://m/2"


def test_values_the_crm_cannot_hold_are_cut_to_fit() -> None:
    long = event(summary="s" * 600, description="d" * 9000, conference_url="https://" + "u" * 3000)
    fields = fields_from_event(long)
    assert (len(fields.subject), len(fields.description), fields.conference_url) == (
        500,
        8000,
        None,
    )
    imported = activity_from_event(long, account=ACCOUNT, settings=SETTINGS, now=T0)
    assert imported is not None
    assert len(imported.subject) == 500


def test_event_content_appends_the_block_only_when_enabled() -> None:
    deal = LinkedItem(kind=LinkedItemKind.DEAL, id="d1", company_id="c", name="Big", owner_id="u")
    fields = fields_from_activity(activity(public_description="Agenda", deal_id="d1"), SETTINGS)
    content = event_content(fields, {LinkedItemKind.DEAL: deal}, SETTINGS, "https://crm")
    assert content.description == f"Agenda\n\n{DELIMITER}\nDeal: Big - https://crm/deals/d1"
    off = evolve(SETTINGS, include_deal_and_contact=False)
    assert (
        event_content(fields, {LinkedItemKind.DEAL: deal}, off, "https://crm").description
        == "Agenda"
    )
    written = event(description=content.description)
    assert fields_from_event(written).description == "Agenda"
    assert content_hash(observed_content(written)) == content_hash(content)


@pytest.mark.parametrize(
    ("private", "option", "default", "expected"),
    [
        (False, PrivateEvents.SKIP, Visibility.EVERYONE, Visibility.EVERYONE),
        (False, PrivateEvents.ONLY_ME, Visibility.ONLY_ME, Visibility.ONLY_ME),
        (True, PrivateEvents.EVERYONE, Visibility.ONLY_ME, Visibility.EVERYONE),
        (True, PrivateEvents.ONLY_ME, Visibility.EVERYONE, Visibility.ONLY_ME),
        (True, PrivateEvents.SKIP, Visibility.EVERYONE, None),
    ],
)
def test_imported_visibility_follows_the_options(
    private: bool, option: PrivateEvents, default: Visibility, expected: Visibility | None
) -> None:
    settings = evolve(SETTINGS, private_events=option, default_visibility=default)
    assert imported_visibility(private, settings) is expected


def test_calendar_born_visibility_does_not_make_the_event_private() -> None:
    settings = evolve(SETTINGS, default_visibility=Visibility.ONLY_ME)
    imported = activity_from_event(event(), account=ACCOUNT, settings=settings, now=T0)
    assert imported is not None
    assert imported.visibility is Visibility.ONLY_ME
    base = fields_from_event(event())
    assert fields_from_activity(imported, settings, base).private is False
    # ... unless the CRM user deliberately changes it (here: to "everyone", i.e. not private)
    chosen = evolve(imported, visibility=Visibility.EVERYONE)
    assert fields_from_activity(chosen, settings, base).private is False
    private_base = evolve(base, private=True)
    assert fields_from_activity(chosen, settings, private_base).private is False


def test_crm_born_visibility_and_private_map_both_ways() -> None:
    crm = activity(visibility=Visibility.EVERYONE)
    fields = fields_from_activity(crm, SETTINGS)
    made_private = apply_fields(crm, evolve(fields, private=True), SETTINGS, base=fields)
    assert made_private.visibility is Visibility.ONLY_ME
    back = apply_fields(made_private, evolve(fields, private=False), SETTINGS, base=fields)
    assert back.visibility is Visibility.EVERYONE


def test_a_calendar_born_activity_turning_private_gets_the_private_events_option() -> None:
    settings = evolve(
        SETTINGS, private_events=PrivateEvents.EVERYONE, default_visibility=Visibility.ONLY_ME
    )
    imported = activity_from_event(event(), account=ACCOUNT, settings=settings, now=T0)
    assert imported is not None
    base = fields_from_event(event())
    turned = apply_fields(imported, evolve(base, private=True), settings, base=base)
    assert turned.visibility is Visibility.EVERYONE
    assert turned.origin is Origin.CALENDAR


def test_imports_are_read_only_for_occurrences_and_skip_private_when_asked() -> None:
    occurrence = event(recurring_event_id="s1", id="s1_20300108T090000Z")
    imported = activity_from_event(occurrence, account=ACCOUNT, settings=SETTINGS, now=T0)
    assert imported is not None
    assert imported.read_only
    assert imported.type == SETTINGS.import_as_type
    skip = evolve(SETTINGS, private_events=PrivateEvents.SKIP)
    assert (
        activity_from_event(
            event(private=True),
            account=ACCOUNT,
            settings=skip,
            now=T0,
        )
        is None
    )


def test_hashes_compare_instants_but_keep_the_zone() -> None:
    utc = fields_from_event(event())
    shifted = evolve(utc, start=utc.start.astimezone(ZoneInfo("Asia/Tokyo")))
    assert content_hash(utc) == content_hash(shifted)
    assert content_hash(utc) != content_hash(evolve(utc, timezone="Asia/Tokyo"))
    assert content_hash(utc) != content_hash(evolve(utc, subject="x"))


def test_the_future_only_rule() -> None:
    assert is_future(activity(), T0)
    assert not is_future(activity(), T0 + timedelta(days=1, hours=1))
    day = activity(start=None, end=None, start_date=date(2030, 1, 7), end_date=date(2030, 1, 7))
    assert is_future(day, T0)


def test_stamp_changes_notes_when_each_synced_field_changed() -> None:
    first = datetime(2030, 1, 1, tzinfo=UTC)
    made = stamp_changes(None, activity(), first)
    assert made.changed_at == dict.fromkeys(SYNCED_ATTRIBUTES, first)
    later = first + timedelta(minutes=5)
    edited = evolve(made, location="Room 2", visibility="only_me", note="not synced")
    stamped = stamp_changes(made, edited, later)
    assert stamped.changed_at == {
        **dict.fromkeys(SYNCED_ATTRIBUTES, first),
        "location": later,
        "private": later,
    }
    assert stamped.start is not None
    moved = evolve(stamped, start=stamped.start + timedelta(minutes=10))
    assert stamp_changes(stamped, moved, later + timedelta(1)).changed_at["when"] > later
