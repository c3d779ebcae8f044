"""A Hypothesis state machine over the memory adapters, in the spirit of vdirsyncer's SyncMachine.

Random creates, edits and deletes on both sides (CRM edits through `sync/outbox.py`, as the
activities API does), recurring series, settings changes, stop and resume, failing provider
calls and lost responses, invalidated cursors, jobs crashing between any two storage or
provider calls and being re-run, and a second job started while one runs. After a final
quiet sync: both sides agree under the mapping, links are one-to-one, nothing is missing or
twice, no edit is lost (or a merge decision says why), and one more sync writes nothing.

Profiles: HYPOTHESIS_PROFILE=ci (default: derandomized, a few hundred examples) or long.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta

from calsync.domain import AccountStatus, CalendarEvent, LinkedItem, LinkedItemKind
from calsync.domain.details import split_block, with_block
from calsync.domain.ids import imported_activity_id
from calsync.domain.mapping import fields_from_activity, fields_from_event
from calsync.domain.schedule import evolve
from calsync.errors import ProviderRateLimited, ProviderUnavailable
from calsync.sync.jobs import JobOutcome
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from tests.unit.harness import Crash
from tests.unit.machine_model import (
    Edits,
    World,
    check_coverage,
    check_decisions,
    check_edits,
    check_links,
)
from tests.unit.rig import CONFIG, EMAIL, Rig

settings.register_profile(
    "ci",
    max_examples=200,
    stateful_step_count=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=3000,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
MACHINE_CONFIG = replace(CONFIG, push_batch=4, txn_items=3, lease_ttl=timedelta(minutes=1))
SECOND = "second@group.calendar.memory"
TYPES = ("meeting", "call", "task")
METHODS = ("events.list", "events.insert", "events.update", "events.delete", "events.move", "*")


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rig = Rig(page_size=3, config=MACHINE_CONFIG, export_types=("meeting", "call"))
        self.rig.service.add_calendar(EMAIL, SECOND)
        self.rig.memory.session().directory.put_linked_item(
            LinkedItem(
                kind=LinkedItemKind.DEAL, id="d1", company_id="c", name="Deal", owner_id="ann"
            )
        )
        self.edits = Edits()
        self.counter = 0
        self.budget = 0  # calendar writes the users' actions may cause

    # -- helpers ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.rig.clock.advance(timedelta(seconds=1))

    def _value(self, name: str) -> str:
        self.counter += 1
        return f"{name}-{self.counter}"

    def _editable(self) -> list[str]:
        return [a.id for a in self.rig.activities() if not a.read_only and a.owner_id == "ann"]

    def _live(self) -> list[CalendarEvent]:
        return [e for cal in (EMAIL, SECOND) for e in self.rig.events(cal)]

    def _items(self) -> int:
        return len(self.rig.activities()) + len(self._live())

    def _item_of_imported(self, activity_id: str) -> tuple[str, str] | None:
        for event in self._live():
            if imported_activity_id("acc", event.id) == activity_id:
                return ("cal", event.id)
        return None

    # -- the CRM user ----------------------------------------------------------------------------

    @rule(
        hours=st.integers(24, 300),
        kind=st.sampled_from(TYPES),
        all_day=st.booleans(),
        deal=st.booleans(),
        owner=st.sampled_from(["ann", "ann", "bob"]),
    )
    def crm_create(self, hours: int, kind: str, all_day: bool, deal: bool, owner: str) -> None:
        self._tick()
        extra: dict[str, object] = {"deal_id": "d1"} if deal else {}
        if all_day:
            day = (self.rig.clock.now() + timedelta(hours=hours)).date()
            extra.update(start=None, end=None, start_date=day, end_date=day)
        made = self.rig.crm_create(
            hours=hours, type=kind, subject=self._value("subject"), owner_id=owner, **extra
        )
        now = self.rig.clock.now()
        self.edits.record(
            ("crm", made.id), "crm", fields_from_activity(made, self.rig.account.settings), now
        )
        self.budget += 2

    @precondition(lambda self: bool(self._editable()))
    @rule(
        index=st.integers(0, 99),
        name=st.sampled_from(("subject", "location", "description", "busy", "when", "type")),
    )
    def crm_edit(self, index: int, name: str) -> None:
        self._tick()
        ids = self._editable()
        activity_id = ids[index % len(ids)]
        current = self.rig.memory.session().activities.get("c", activity_id)
        assert current is not None
        changes = self._crm_change(current, name)
        self.rig.crm_update(activity_id, **changes)
        self._record(activity_id, name)
        self.budget += 2

    def _crm_change(self, current: object, name: str) -> dict[str, object]:
        if name == "busy":
            return {"busy": not current.busy}  # type: ignore[attr-defined]
        if name == "when":
            shift = timedelta(hours=3)
            if current.all_day:  # type: ignore[attr-defined]
                return {
                    "start_date": current.start_date + timedelta(days=1),
                    "end_date": current.end_date + timedelta(days=1),
                }  # type: ignore[attr-defined]
            return {"start": current.start + shift, "end": current.end + shift}  # type: ignore[attr-defined]
        if name == "type":
            return {
                "type": TYPES[(TYPES.index(current.type) + 1) % len(TYPES)]
                if current.type in TYPES
                else "meeting"
            }  # type: ignore[attr-defined]
        field = "public_description" if name == "description" else name
        return {field: self._value(name)}

    def _item_of_activity(self, activity_id: str) -> tuple[str, str] | None:
        activity = self.rig.memory.session().activities.get("c", activity_id)
        assert activity is not None
        if activity.origin.value == "crm":
            return ("crm", activity.id)
        return self._item_of_imported(activity.id)

    def _record(self, activity_id: str, name: str) -> None:
        activity = self.rig.memory.session().activities.get("c", activity_id)
        assert activity is not None
        item = self._item_of_activity(activity_id)
        if item is not None:
            names = (name,) if name != "type" else ()
            fields = fields_from_activity(activity, self.rig.account.settings)
            self.edits.record(item, "crm", fields, activity.updated_at, names)

    @precondition(lambda self: bool(self._editable()))
    @rule(index=st.integers(0, 99))
    def crm_delete(self, index: int) -> None:
        self._tick()
        ids = self._editable()
        activity_id = ids[index % len(ids)]
        item = self._item_of_activity(activity_id)
        self.rig.crm_delete(activity_id)
        if item is not None:
            self.edits.deleted(item, "crm", self.rig.clock.now())
        self.budget += 2

    # -- the calendar user -----------------------------------------------------------------------

    @rule(hours=st.integers(24, 300), private=st.booleans(), second=st.booleans())
    def cal_create(self, hours: int, private: bool, second: bool) -> None:
        self._tick()
        calendar_id = SECOND if second else EMAIL
        event = self.rig.cal_create(
            hours=hours, summary=self._value("subject"), private=private, calendar_id=calendar_id
        )
        self.edits.record(("cal", event.id), "cal", fields_from_event(event), self.rig.clock.now())
        self.budget += 2

    @rule(hours=st.integers(24, 300), count=st.integers(1, 3))
    def cal_create_series(self, hours: int, count: int) -> None:
        self._tick()
        start = self.rig.clock.now() + timedelta(hours=hours)
        template = CalendarEvent(
            id="",
            calendar_id=EMAIL,
            summary=self._value("subject"),
            start=start,
            end=start + timedelta(hours=1),
        )
        for event in self.rig.service.user_create_series(
            EMAIL, template, [start + timedelta(days=7 * i) for i in range(count)]
        ):
            self.edits.record(
                ("cal", event.id), "cal", fields_from_event(event), self.rig.clock.now()
            )
        self.budget += 2 * count

    @precondition(lambda self: bool(self._live()))
    @rule(
        index=st.integers(0, 99),
        name=st.sampled_from(("subject", "location", "description", "busy", "when", "private")),
    )
    def cal_edit(self, index: int, name: str) -> None:
        self._tick()
        events = self._live()
        event = events[index % len(events)]
        changes = self._cal_change(event, name)
        updated = self.rig.service.user_update(event.calendar_id, event.id, **changes)
        names = (name,) if name != "private" else ()
        self.edits.record(
            self._item_of_event(updated),
            "cal",
            fields_from_event(updated),
            self.rig.clock.now(),
            names,
        )
        self.budget += 2

    def _cal_change(self, event: CalendarEvent, name: str) -> dict[str, object]:
        if name in ("busy", "private"):
            return {name: not getattr(event, name)}
        if name == "when":
            if event.all_day:
                assert event.start_date is not None and event.end_date is not None
                return {
                    "start_date": event.start_date + timedelta(days=1),
                    "end_date": event.end_date + timedelta(days=1),
                }
            assert event.start is not None and event.end is not None
            return {
                "start": event.start + timedelta(hours=2),
                "end": event.end + timedelta(hours=2),
            }
        if name == "description":
            _, block = split_block(event.description)
            return {"description": with_block(self._value(name), block)}
        return {"summary" if name == "subject" else name: self._value(name)}

    def _item_of_event(self, event: CalendarEvent) -> tuple[str, str]:
        from calsync.domain.ids import activity_id_from_event_id

        owner = activity_id_from_event_id(event.id)
        if owner is not None and owner == event.crm_activity_id:
            return ("crm", owner)
        return ("cal", event.id)

    @precondition(lambda self: bool(self._live()))
    @rule(index=st.integers(0, 99), series=st.booleans())
    def cal_delete(self, index: int, series: bool) -> None:
        self._tick()
        events = self._live()
        event = events[index % len(events)]
        if series and event.recurring_event_id:
            gone = [e for e in self._live() if e.recurring_event_id == event.recurring_event_id]
            self.rig.service.user_delete_series(event.calendar_id, event.recurring_event_id)
        else:
            gone = [event]
            self.rig.service.user_delete(event.calendar_id, event.id)
        for each in gone:
            self.edits.deleted(self._item_of_event(each), "cal", self.rig.clock.now())
        self.budget += 2

    def _pairs(self) -> list[tuple[str, CalendarEvent]]:
        links = self.rig.memory.session().links.all("acc")
        live = {(e.calendar_id, e.id): e for e in self._live()}
        editable = set(self._editable())
        return [
            (link.activity_id, live[(link.calendar_id, link.event_id)])
            for link in links
            if (link.calendar_id, link.event_id) in live and link.activity_id in editable
        ]

    @rule(
        index=st.integers(0, 99),
        name=st.sampled_from(("subject", "location", "description", "busy", "when")),
        crm_first=st.booleans(),
        then=st.sampled_from((None, "subject", "location", "busy")),
    )
    def edit_both_sides(self, index: int, name: str, crm_first: bool, then: str | None) -> None:
        """Both users change the same field of one synced item before the next sync (and the
        first one, maybe, another field afterwards)."""
        if not self._pairs():  # make one: an activity, synced
            self._tick()
            made = self.rig.crm_create(hours=48, subject=self._value("subject"))
            now = self.rig.clock.now()
            self.edits.record(
                ("crm", made.id), "crm", fields_from_activity(made, self.rig.account.settings), now
            )
            self.rig.run()
            self.budget += 2
        pairs = self._pairs()
        if not pairs:
            return
        activity_id, event = pairs[index % len(pairs)]
        crm = (self._crm_edit_one, activity_id)
        cal = (self._cal_edit_one, event)
        first, second = (crm, cal) if crm_first else (cal, crm)
        first[0](first[1], name)  # type: ignore[operator]
        second[0](second[1], name)  # type: ignore[operator]
        if then is not None:
            first[0](first[1], then)  # type: ignore[operator]
        self.budget += 6

    def _crm_edit_one(self, activity_id: str, name: str) -> None:
        self._tick()
        current = self.rig.memory.session().activities.get("c", activity_id)
        assert current is not None
        self.rig.crm_update(activity_id, **self._crm_change(current, name))
        self._record(activity_id, name)

    def _cal_edit_one(self, event: CalendarEvent, name: str) -> None:
        self._tick()
        current = self.rig.service.live(event.calendar_id, event.id)
        assert current is not None
        updated = self.rig.service.user_update(
            current.calendar_id, current.id, **self._cal_change(current, name)
        )
        item = self._item_of_event(updated)
        self.edits.record(item, "cal", fields_from_event(updated), self.rig.clock.now(), (name,))

    # -- settings, as the HTTP layer saves them ---------------------------------------------------

    @rule(
        change=st.sampled_from(
            ("calendar", "task", "one_way", "deal", "skip", "only_me", "default")
        )
    )
    def change_settings(self, change: str) -> None:
        self._tick()
        current = self.rig.stored_account().settings
        assert current is not None
        if change == "calendar":
            new = evolve(current, calendar_id=SECOND if current.calendar_id == EMAIL else EMAIL)
        elif change == "task":
            types = set(current.export_types) ^ {"task"}
            new = evolve(current, export_types=tuple(types))
        elif change == "one_way":
            new = evolve(
                current, sync_type="two_way" if current.sync_type.value == "one_way" else "one_way"
            )
        elif change == "deal":
            new = evolve(current, include_deal_and_contact=not current.include_deal_and_contact)
        elif change == "default":
            new = evolve(
                current,
                default_visibility="only_me"
                if current.default_visibility.value == "everyone"
                else "everyone",
            )
        else:
            target = "skip" if change == "skip" else "only_me"
            new = evolve(
                current,
                private_events=target if current.private_events.value != target else "everyone",
            )
        self.rig.change_settings(new)
        self.budget += 2 * self._items() + 2

    def _stop_and_resume(self) -> None:
        self.rig.set_status(AccountStatus.SYNCED_PREVIOUSLY)
        assert self.rig.run().outcome is JobOutcome.SKIPPED
        self.rig.set_status(AccountStatus.SYNCING, forget_applied=True)
        self.budget += 2 * self._items()

    # -- the engine, and what goes wrong around it -----------------------------------------------

    @rule(
        mode=st.sampled_from(("plain", "failing call", "crash", "second job", "410")),
        method=st.sampled_from(METHODS),
        kind=st.sampled_from(("503", "429")),
        nth=st.integers(1, 40),
        after=st.booleans(),
    )
    def sync(self, mode: str, method: str, kind: str, nth: int, after: bool) -> None:
        """A job runs: normally, with a failing call, crashing, alongside a second job, or
        after the provider forgot every cursor."""
        self._tick()
        if mode == "failing call":
            error = (
                ProviderUnavailable("backend error")
                if kind == "503"
                else ProviderRateLimited("slow down", 1.0)
            )
            self.rig.service.fail_next(method, error, after=after and method != "events.list")
            self.budget += MACHINE_CONFIG.push_batch * 2
        elif mode == "crash":
            self.rig.tripwire.arm(nth, after=after)
            self.budget += MACHINE_CONFIG.push_batch * 2
        elif mode == "410":
            for calendar_id in (EMAIL, SECOND):
                self.rig.service.invalidate_cursors(calendar_id)
        elif mode == "second job":
            self.rig.provider.on_page = self._second_job
        try:
            result = self.rig.run()
            if result.outcome is JobOutcome.BUSY:
                self.rig.clock.advance(MACHINE_CONFIG.lease_ttl + timedelta(seconds=1))
                self.rig.run()
        except Crash:
            self.rig.clock.advance(MACHINE_CONFIG.lease_ttl + timedelta(seconds=1))
        finally:
            self.rig.tripwire.disarm()
            self.rig.provider.on_page = None
            self.rig.service.faults.clear()
            self.rig.service.lost_responses.clear()

    def _second_job(self, _: object) -> None:
        self.rig.provider.on_page = None
        assert self.rig.run().outcome is JobOutcome.BUSY

    # -- the end -----------------------------------------------------------------------------------

    def teardown(self) -> None:
        rig = self.rig
        if rig.stored_account().status is not AccountStatus.SYNCING:
            return
        rig.clock.advance(MACHINE_CONFIG.lease_ttl + timedelta(seconds=1))
        for _ in range(8):
            result = rig.run()
            pending = rig.memory.session().outbox.pending("acc", limit=1)
            if result.outcome is JobOutcome.DONE and not pending and not rig.queue.take():
                break
        else:
            raise AssertionError(f"no quiet sync: {result}, pending {pending}")
        world = self._world()
        check_links(world)
        check_coverage(world, "ann")
        check_edits(world, self.edits)
        check_decisions(world, self.edits)
        writes = rig.provider.writes
        versions = {a.id: a.version for a in rig.activities()}
        assert rig.run().outcome is JobOutcome.DONE
        assert rig.provider.writes == writes, "a quiet sync wrote to the calendar"
        assert {a.id: a.version for a in rig.activities()} == versions, (
            "a quiet sync wrote to the CRM"
        )
        assert writes <= 3 * self.budget + 10, (
            f"{writes} calendar writes for a budget of {self.budget}"
        )

    def _world(self) -> World:
        rig = self.rig
        account = rig.stored_account()
        assert account.settings is not None
        session = rig.memory.session()
        return World(
            account_id="acc",
            settings=account.settings,
            activities={
                a.id: a
                for owner in ("ann", "bob")
                for a in session.activities.for_owner("c", owner)
            },
            events={cal: rig.events(cal) for cal in (EMAIL, SECOND)},
            links=list(session.links.all("acc")),
            conflicts=session.conflicts.recent("acc", limit=10_000),
            now=rig.clock.now(),
        )


TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = PROFILE
