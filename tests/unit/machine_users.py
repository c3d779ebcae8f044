"""The two users of the state machine: what they change, and the model's record of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from calsync.domain import Activity, CalendarEvent, SyncSettings
from calsync.domain.details import split_block, with_block
from calsync.domain.ids import activity_id_from_event_id, event_id_for, imported_activity_id
from calsync.domain.mapping import fields_from_activity, fields_from_event
from calsync.domain.schedule import evolve

from tests.unit.machine_model import Edits, Item
from tests.unit.rig import EMAIL, Rig

SECOND = "second@group.calendar.memory"
TYPES = ("meeting", "call", "task")


class Users:
    """The CRM user and the calendar user of one rig, recording every edit in `edits`."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.edits = Edits()
        self.counter = 0
        # Activities holding the CRM user's work (made in the CRM, or given CRM-only content
        # such as another type): none may vanish without a recorded decision, unless a user
        # deleted it on purpose (`gone_on_purpose`: the CRM user, or the calendar user by
        # deleting its event).
        self.crm_work: set[str] = set()
        self.gone_on_purpose: set[str] = set()
        # Items the CRM user deleted while they had an event: (activity id, when).
        self.crm_deleted: dict[Item, tuple[str, datetime]] = {}

    def tick(self) -> None:
        self.rig.clock.advance(timedelta(seconds=1))

    def value(self, name: str) -> str:
        """A value never used before, so each edit can be told apart."""
        self.counter += 1
        return f"{name}-{self.counter}"

    # -- what there is -------------------------------------------------------------------------

    def editable(self) -> list[str]:
        return [a.id for a in self.rig.activities() if not a.read_only and a.owner_id == "ann"]

    def live(self) -> list[CalendarEvent]:
        return [e for cal in (EMAIL, SECOND) for e in self.rig.events(cal)]

    def unpushed(self) -> list[str]:
        """The user's CRM activities never pushed: no link, and no event (even a deleted one)
        has held their id."""
        linked = {link.activity_id for link in self.rig.memory.session().links.all("acc")}
        with self.rig.service.lock:
            used = {i for cal in self.rig.service.calendars.values() for i in cal.events}
        return [
            a.id
            for a in self.rig.activities()
            if a.origin.value == "crm"
            and a.owner_id == "ann"
            and a.id not in linked
            and event_id_for(a.id) not in used
        ]

    def size(self) -> int:
        return len(self.rig.activities()) + len(self.live())

    def pairs(self) -> list[tuple[str, CalendarEvent]]:
        """Synced items the CRM user may edit: (activity id, its event)."""
        live = {(e.calendar_id, e.id): e for e in self.live()}
        editable = set(self.editable())
        return [
            (link.activity_id, live[(link.calendar_id, link.event_id)])
            for link in self.rig.memory.session().links.all("acc")
            if (link.calendar_id, link.event_id) in live and link.activity_id in editable
        ]

    def activity(self, activity_id: str) -> Activity:
        found = self.rig.memory.session().activities.get("c", activity_id)
        assert found is not None
        return found

    def item_of_activity(self, activity_id: str) -> Item | None:
        if self.activity(activity_id).origin.value == "crm":
            return ("crm", activity_id)
        for event in self.live():
            if imported_activity_id(self.rig.account, event.calendar_id, event.id) == activity_id:
                return ("cal", event.id)
        return None

    @staticmethod
    def item_of_event(event: CalendarEvent) -> Item:
        owner = activity_id_from_event_id(event.id)
        if owner is not None and owner == event.crm_activity_id:
            return ("crm", owner)
        return ("cal", event.id)

    # -- the CRM user -----------------------------------------------------------------------

    def crm_create(self, **fields: Any) -> Activity:
        made = self.rig.crm_create(subject=self.value("subject"), **fields)
        settings = self.rig.account.settings
        assert settings is not None
        self.edits.record(
            ("crm", made.id), "crm", fields_from_activity(made, settings), made.updated_at
        )
        self.crm_work.add(made.id)
        return made

    def crm_edit(self, activity_id: str, name: str) -> None:
        self.tick()
        changed = self.rig.crm_update(
            activity_id, **self._crm_change(self.activity(activity_id), name)
        )
        item = self.item_of_activity(activity_id)
        settings = self.rig.account.settings
        assert settings is not None
        if name == "type":
            self.crm_work.add(activity_id)  # what only the CRM holds
        if item is not None:
            names = () if name == "type" else (name,)
            self.edits.record(
                item, "crm", fields_from_activity(changed, settings), changed.updated_at, names
            )

    def crm_visibility(self, activity_id: str) -> None:
        """Everyone <-> only me (which the event shows as private)."""
        self.tick()
        current = self.activity(activity_id)
        flipped = "everyone" if current.visibility.value == "only_me" else "only_me"
        self._crm_touch(
            activity_id, self.rig.crm_update(activity_id, visibility=flipped), "private"
        )

    def crm_attendee(self, activity_id: str, email: str) -> None:
        """Add the guest, or remove them if invited already."""
        self.tick()
        current = self.activity(activity_id)
        guests = tuple(sorted(set(current.attendees) ^ {email}))
        self._crm_touch(
            activity_id, self.rig.crm_update(activity_id, attendees=guests), "attendees"
        )

    def crm_reassign(self, activity_id: str) -> None:
        """The activity is given to another CRM user: it leaves this calendar."""
        self.tick()
        self.rig.crm_update(activity_id, owner_id="bob")

    def _crm_touch(self, activity_id: str, changed: Activity, name: str) -> None:
        item = self.item_of_activity(activity_id)
        settings = self.rig.account.settings
        assert settings is not None
        if item is not None:
            fields = fields_from_activity(changed, settings)
            self.edits.record(item, "crm", fields, changed.updated_at, (), also=(name,))

    def _crm_change(self, current: Activity, name: str) -> dict[str, Any]:
        if name == "busy":
            return {"busy": not current.busy}
        if name == "type":
            following = TYPES[(TYPES.index(current.type) + 1) % len(TYPES)]
            return {"type": following if current.type in TYPES else "meeting"}
        if name == "when":
            if current.start_date is not None and current.end_date is not None:
                day = timedelta(days=1)
                return {"start_date": current.start_date + day, "end_date": current.end_date + day}
            shift = timedelta(hours=3)
            assert current.start is not None
            assert current.end is not None
            return {"start": current.start + shift, "end": current.end + shift}
        return {"public_description" if name == "description" else name: self.value(name)}

    def crm_delete(self, activity_id: str) -> None:
        self.tick()
        item = self.item_of_activity(activity_id)
        self.rig.crm_delete(activity_id)
        self.gone_on_purpose.add(activity_id)
        if item is not None:
            self.crm_deleted[item] = (activity_id, self.rig.clock.now())
            twin = next((e for e in self.live() if self.item_of_event(e) == item), None)
            survivor = fields_from_event(twin) if twin is not None else None
            self.edits.deleted(item, "crm", self.rig.clock.now(), survivor)

    # -- the calendar user ------------------------------------------------------------------

    def cal_create(self, calendar_id: str, *, hours: int, private: bool) -> None:
        event = self.rig.cal_create(
            hours=hours, summary=self.value("subject"), private=private, calendar_id=calendar_id
        )
        self.edits.record(("cal", event.id), "cal", fields_from_event(event), self.rig.clock.now())

    def cal_create_series(self, *, hours: int, count: int) -> None:
        start = self.rig.clock.now() + timedelta(hours=hours)
        template = CalendarEvent(
            id="",
            calendar_id=EMAIL,
            summary=self.value("subject"),
            start=start,
            end=start + timedelta(hours=1),
        )
        starts = [start + timedelta(days=7 * week) for week in range(count)]
        for event in self.rig.service.user_create_series(EMAIL, template, starts):
            self.edits.record(
                ("cal", event.id), "cal", fields_from_event(event), self.rig.clock.now()
            )

    def cal_edit(self, event: CalendarEvent, name: str) -> None:
        self.tick()
        current = self.rig.service.live(event.calendar_id, event.id)
        assert current is not None
        updated = self.rig.service.user_update(
            current.calendar_id, current.id, **self._cal_change(current, name)
        )
        names = () if name == "private" else (name,)
        self.edits.record(
            self.item_of_event(updated),
            "cal",
            fields_from_event(updated),
            self.rig.clock.now(),
            names,
        )

    def cal_revive(self, event: CalendarEvent) -> None:
        """The calendar user moves a past event back into the future (to tomorrow)."""
        self.tick()
        current = self.rig.service.live(event.calendar_id, event.id)
        assert current is not None
        tomorrow = self.rig.clock.now() + timedelta(days=1)
        if current.start_date is not None:
            day = tomorrow.date()
            change: dict[str, Any] = {"start_date": day, "end_date": day + timedelta(days=1)}
        else:
            change = {"start": tomorrow, "end": tomorrow + timedelta(hours=1)}
        updated = self.rig.service.user_update(current.calendar_id, current.id, **change)
        item = self.item_of_event(updated)
        self.edits.record(item, "cal", fields_from_event(updated), self.rig.clock.now(), ("when",))

    def cal_attendee(self, event: CalendarEvent, email: str) -> None:
        self.tick()
        current = self.rig.service.live(event.calendar_id, event.id)
        assert current is not None
        guests = tuple(sorted(set(current.attendees) ^ {email}))
        updated = self.rig.service.user_update(current.calendar_id, current.id, attendees=guests)
        fields = fields_from_event(updated)
        self.edits.record(
            self.item_of_event(updated),
            "cal",
            fields,
            self.rig.clock.now(),
            (),
            also=("attendees",),
        )

    def cal_take_id(self, activity_id: str, calendar_id: str) -> None:
        """An event not made by calsync takes the id calsync derives for a CRM activity not
        pushed yet (e.g. a copy imported from elsewhere): its create meets a 409."""
        self.tick()
        start = self.rig.clock.now() + timedelta(hours=30)
        squatter = CalendarEvent(
            id=event_id_for(activity_id),
            calendar_id=calendar_id,
            summary=self.value("subject"),
            start=start,
            end=start + timedelta(hours=1),
        )
        made = self.rig.service.user_create(calendar_id, squatter)
        self.edits.record(("cal", made.id), "cal", fields_from_event(made), self.rig.clock.now())

    def _cal_change(self, event: CalendarEvent, name: str) -> dict[str, Any]:
        if name in ("busy", "private"):
            return {name: not getattr(event, name)}
        if name == "when":
            if event.start_date is not None and event.end_date is not None:
                day = timedelta(days=1)
                return {"start_date": event.start_date + day, "end_date": event.end_date + day}
            shift = timedelta(hours=2)
            assert event.start is not None
            assert event.end is not None
            return {"start": event.start + shift, "end": event.end + shift}
        if name == "description":
            _, block = split_block(event.description)  # the user edits the text, not our block
            return {"description": with_block(self.value(name), block)}
        return {"summary" if name == "subject" else name: self.value(name)}

    def cal_delete(self, event: CalendarEvent, *, series: bool) -> None:
        self.tick()
        if series and event.recurring_event_id:
            gone = [e for e in self.live() if e.recurring_event_id == event.recurring_event_id]
            self.rig.service.user_delete_series(event.calendar_id, event.recurring_event_id)
        else:
            gone = [event]
            self.rig.service.user_delete(event.calendar_id, event.id)
        settings = self.rig.account.settings
        assert settings is not None
        for each in gone:
            item = self.item_of_event(each)
            owner = (
                item[1]
                if item[0] == "crm"
                else imported_activity_id(self.rig.account, each.calendar_id, item[1])
            )
            twin = self.rig.memory.session().activities.get("c", owner)
            survivor = fields_from_activity(twin, settings) if twin is not None else None
            self.edits.deleted(item, "cal", self.rig.clock.now(), survivor)
            self.gone_on_purpose.add(owner)


def changed_settings(current: SyncSettings, change: str) -> SyncSettings:
    """The settings after one change the user makes in the sync options."""
    if change == "calendar":
        return evolve(current, calendar_id=SECOND if current.calendar_id == EMAIL else EMAIL)
    if change == "task":
        return evolve(current, export_types=tuple(set(current.export_types) ^ {"task"}))
    if change == "one_way":
        flipped = "two_way" if current.sync_type.value == "one_way" else "one_way"
        return evolve(current, sync_type=flipped)
    if change == "deal":
        return evolve(current, include_deal_and_contact=not current.include_deal_and_contact)
    if change == "default":
        flipped = "only_me" if current.default_visibility.value == "everyone" else "everyone"
        return evolve(current, default_visibility=flipped)
    target = "skip" if change == "skip" else "only_me"
    chosen = target if current.private_events.value != target else "everyone"
    return evolve(current, private_events=chosen)
