"""A Hypothesis state machine over the memory adapters, in the spirit of vdirsyncer's SyncMachine.

Random creates, edits and deletes on both sides (CRM edits through `sync/outbox.py`, as the
activities API does), visibility, guest and conference-link edits, activities given to another
CRM user, recurring series, concurrent edits of one item, settings changes, stop and resume,
time passing (items crossing into the past), failing provider calls (503, 429) and lost
responses, a dead authorization (needs re-authorization, then a reconnect), writes the calendar
refuses for good, a create meeting a 409 (an event not made by calsync holds its id),
invalidated cursors (410), jobs crashing between any two storage or provider calls and being
re-run, a second job started while one runs, and push-only jobs (as CRM changes ask for) that
leave calendar edits to a later pull. After a final quiet sync: both sides agree under the
mapping, links are one-to-one, nothing is missing or there twice, no edit is lost (or a merge
decision, which kept the side that changed the field later by the rule, says why), no activity
holding the CRM user's work vanished without a record, one more sync writes nothing, and the
calendar writes stay within a budget proportional to what the users did (no loops).

Profiles: HYPOTHESIS_PROFILE=ci (default: derandomized, fits a CI run) or long (thousands of
examples, for `make bench` and manual runs). The clock is a FakeClock: runs are deterministic.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta

import pytest
from calsync.domain import AccountStatus, CalendarEvent, LinkedItem, LinkedItemKind
from calsync.domain.mapping import is_future
from calsync.errors import ProviderAuthError, ProviderRateLimited, ProviderUnavailable
from calsync.ports import CreateEvent, UpdateEvent
from calsync.sync.jobs import JobOutcome
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from tests.unit.harness import Crash
from tests.unit.machine_model import (
    World,
    check_coverage,
    check_decisions,
    check_edits,
    check_events_kept,
    check_kept,
    check_links,
)
from tests.unit.machine_users import SECOND, TYPES, Users, changed_settings
from tests.unit.rig import CONFIG, EMAIL, Rig

settings.register_profile(
    "ci",
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=3000,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
PROFILE = settings.get_profile("long" if LONG else "ci")
MACHINE = replace(
    CONFIG,
    push_batch=4,
    txn_items=3,
    lease_ttl=timedelta(minutes=1),
    job_budget=timedelta(seconds=50),
)
METHODS = ("events.list", "events.insert", "events.update", "events.delete", "events.move", "*")
FIELDS = ("subject", "location", "description", "busy", "when", "conference_url")
GUESTS = ("x@example.com", "y@example.com")
SETTINGS = ("calendar", "task", "one_way", "deal", "skip", "only_me", "default", "stop")


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rig = Rig(page_size=3, config=MACHINE, export_types=("meeting", "call"))
        self.rig.service.add_calendar(EMAIL, SECOND)
        deal = LinkedItem(
            kind=LinkedItemKind.DEAL, id="d1", company_id="c", name="Deal", owner_id="ann"
        )
        self.rig.memory.session().directory.put_linked_item(deal)
        self.users = Users(self.rig)
        self.budget = 10  # calendar writes the users' actions may cause

    def _pick(self, items: list[str], index: int) -> str:
        return items[index % len(items)]

    # -- the CRM user ----------------------------------------------------------------------------

    @rule(
        hours=st.integers(24, 300),
        kind=st.sampled_from(TYPES),
        all_day=st.booleans(),
        deal=st.booleans(),
        owner=st.sampled_from(["ann", "ann", "bob"]),
    )
    def crm_create(self, hours: int, kind: str, all_day: bool, deal: bool, owner: str) -> None:
        self.users.tick()
        extra: dict[str, object] = {"deal_id": "d1"} if deal else {}
        if all_day:
            day = (self.rig.clock.now() + timedelta(hours=hours)).date()
            extra.update(start=None, end=None, start_date=day, end_date=day)
        self.users.crm_create(hours=hours, type=kind, owner_id=owner, **extra)
        self.budget += 2

    @precondition(lambda self: bool(self.users.editable()))
    @rule(index=st.integers(0, 99), name=st.sampled_from((*FIELDS, "type")))
    def crm_edit(self, index: int, name: str) -> None:
        self.users.crm_edit(self._pick(self.users.editable(), index), name)
        self.budget += 2

    @precondition(lambda self: bool(self.users.editable()))
    @rule(index=st.integers(0, 99))
    def crm_delete(self, index: int) -> None:
        self.users.crm_delete(self._pick(self.users.editable(), index))
        self.budget += 2

    @precondition(lambda self: bool(self.users.editable()))
    @rule(index=st.integers(0, 99))
    def crm_visibility(self, index: int) -> None:
        self.users.crm_visibility(self._pick(self.users.editable(), index))
        self.budget += 2

    @precondition(lambda self: bool(self.users.editable()))
    @rule(index=st.integers(0, 99), guest=st.sampled_from(GUESTS))
    def crm_attendee(self, index: int, guest: str) -> None:
        self.users.crm_attendee(self._pick(self.users.editable(), index), guest)
        self.budget += 2

    @precondition(lambda self: bool(self.users.editable()))
    @rule(index=st.integers(0, 99))
    def crm_reassign(self, index: int) -> None:
        self.users.crm_reassign(self._pick(self.users.editable(), index))
        self.budget += 2

    # -- the calendar user -----------------------------------------------------------------------

    @rule(hours=st.integers(24, 300), private=st.booleans(), second=st.booleans())
    def cal_create(self, hours: int, private: bool, second: bool) -> None:
        self.users.tick()
        self.users.cal_create(SECOND if second else EMAIL, hours=hours, private=private)
        self.budget += 2

    @rule(hours=st.integers(24, 300), count=st.integers(1, 3))
    def cal_create_series(self, hours: int, count: int) -> None:
        self.users.tick()
        self.users.cal_create_series(hours=hours, count=count)
        self.budget += 2 * count

    @precondition(lambda self: bool(self.users.live()))
    @rule(index=st.integers(0, 99), name=st.sampled_from((*FIELDS, "private")))
    def cal_edit(self, index: int, name: str) -> None:
        events = self.users.live()
        self.users.cal_edit(events[index % len(events)], name)
        self.budget += 2

    @precondition(lambda self: bool(self._past_events()))
    @rule(index=st.integers(0, 99))
    def cal_revive(self, index: int) -> None:
        """A past event (left alone, its activity maybe deleted since) moved back into the
        future by the calendar user."""
        events = self._past_events()
        self.users.cal_revive(events[index % len(events)])
        self.budget += 2

    def _past_events(self) -> list[CalendarEvent]:
        now = self.rig.clock.now()
        return [e for e in self.users.live() if not is_future(e, now)]

    @precondition(lambda self: bool(self.users.live()))
    @rule(index=st.integers(0, 99), guest=st.sampled_from(GUESTS))
    def cal_attendee(self, index: int, guest: str) -> None:
        events = self.users.live()
        self.users.cal_attendee(events[index % len(events)], guest)
        self.budget += 2

    @precondition(lambda self: bool(self.users.unpushed()))
    @rule(index=st.integers(0, 99))
    def cal_take_id(self, index: int) -> None:
        """An event not made by calsync takes the id of an activity not pushed yet (409)."""
        calendar_id = self.rig.stored_account().settings.calendar_id  # type: ignore[union-attr]
        self.users.cal_take_id(self._pick(self.users.unpushed(), index), calendar_id)
        self.budget += 4

    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours: int) -> None:
        """Hours go by: items cross into the past (and are left alone once over)."""
        self.rig.clock.advance(timedelta(hours=hours))

    @precondition(lambda self: bool(self.users.live()))
    @rule(index=st.integers(0, 99), series=st.booleans())
    def cal_delete(self, index: int, series: bool) -> None:
        events = self.users.live()
        self.users.cal_delete(events[index % len(events)], series=series)
        self.budget += 2

    @rule(
        index=st.integers(0, 99),
        name=st.sampled_from(FIELDS),
        crm_first=st.booleans(),
        then=st.sampled_from((None, "subject", "location", "busy")),
    )
    def edit_both_sides(self, index: int, name: str, crm_first: bool, then: str | None) -> None:
        """Both users change the same field of one synced item before the next sync (and the
        first of them, maybe, another field afterwards)."""
        if not self.users.pairs():  # make one: an activity, synced
            self.users.tick()
            self.users.crm_create(hours=48)
            self.rig.run()
        pairs = self.users.pairs()
        if not pairs:
            return
        activity_id, event = pairs[index % len(pairs)]
        edits = [
            lambda n: self.users.crm_edit(activity_id, n),
            lambda n: self.users.cal_edit(event, n),
        ]
        first, second = edits if crm_first else edits[::-1]
        first(name)
        second(name)
        if then is not None:
            first(then)
        self.budget += 8

    # -- settings, as the HTTP layer saves them ---------------------------------------------------

    @rule(change=st.sampled_from(SETTINGS))
    def change_settings(self, change: str) -> None:
        self.users.tick()
        if change == "stop":  # stop, then start again ("resume from where it stopped")
            self.rig.set_status(AccountStatus.SYNCED_PREVIOUSLY)
            assert self.rig.run().outcome is JobOutcome.SKIPPED
            self.rig.set_status(AccountStatus.SYNCING, forget_applied=True)
        else:
            current = self.rig.stored_account().settings
            assert current is not None
            self.rig.change_settings(changed_settings(current, change))
        self.budget += 2 * self.users.size() + 2

    # -- the engine, and what goes wrong around it -----------------------------------------------

    @rule(
        mode=st.sampled_from(
            ("plain", "failing call", "crash", "second job", "410", "auth", "refused")
        ),
        method=st.sampled_from(METHODS),
        kind=st.sampled_from(("503", "429")),
        nth=st.integers(1, 40),
        after=st.booleans(),
        pull=st.sampled_from((True, True, False)),
    )
    def sync(self, *, mode: str, method: str, kind: str, nth: int, after: bool, pull: bool) -> None:
        """A job runs: normally, with a failing call (or a lost response), crashing at its
        n-th storage or provider call, alongside a second job, after a 410, meeting a dead
        authorization (at opening or at a call), or with a write refused for good (a create,
        or an update); pulling first (a notification's or the fan-out's job) or push-only
        (asked for by CRM changes)."""
        self.users.tick()
        self._arm(mode, method=method, kind=kind, nth=nth, after=after)
        try:
            if self.rig.run(pull=pull).outcome is JobOutcome.BUSY:
                self.rig.clock.advance(MACHINE.lease_ttl + timedelta(seconds=1))
                self.rig.run(pull=pull)
        except Crash:  # the process died: its lease runs out before the task is retried
            self.rig.clock.advance(MACHINE.lease_ttl + timedelta(seconds=1))
        finally:
            self.rig.tripwire.disarm()
            self.rig.provider.on_page = None
            self.rig.provider.refusals.clear()
            self.rig.auth_error = None
            self.rig.service.faults.clear()
            self.rig.service.lost_responses.clear()
        if self.rig.stored_account().status is AccountStatus.NEEDS_REAUTH:
            self._reconnect()

    def _arm(self, mode: str, *, method: str, kind: str, nth: int, after: bool) -> None:
        """Set up what goes wrong in the coming job."""
        if mode == "failing call":
            error = (
                ProviderUnavailable("backend error")
                if kind == "503"
                else ProviderRateLimited("slow down", 1.0)
            )
            self.rig.service.fail_next(method, error, after=after and method != "events.list")
            self.budget += 2 * MACHINE.push_batch
        elif mode == "crash":
            self.rig.tripwire.arm(nth, after=after)
            self.budget += 2 * MACHINE.push_batch
        elif mode == "410":
            for calendar_id in (EMAIL, SECOND):
                self.rig.service.invalidate_cursors(calendar_id)
        elif mode == "second job":
            self.rig.provider.on_page = self._second_job
        elif mode == "auth":
            revoked = ProviderAuthError("the provider no longer accepts the grant")
            if method == "*":
                self.rig.auth_error = revoked
            else:
                self.rig.service.fail_next(method, revoked)
        elif mode == "refused":
            self.rig.provider.refusals.append(CreateEvent if after else UpdateEvent)
            self.budget += 2 * MACHINE.push_batch

    def _reconnect(self) -> None:
        """The user was told to reconnect: consent again, then start (as after a stop)."""
        account = self.rig.stored_account()
        assert account.error is not None
        assert account.error.code == "needs_reauth"
        assert account.sync.next_check_at is None  # no retry storm meanwhile
        self.rig.set_status(AccountStatus.SYNCING, forget_applied=True)
        self.budget += 2 * self.users.size() + 2

    def _second_job(self, _: object) -> None:
        self.rig.provider.on_page = None
        assert self.rig.run().outcome is JobOutcome.BUSY

    # -- the end -----------------------------------------------------------------------------------

    def teardown(self) -> None:
        rig = self.rig
        rig.clock.advance(MACHINE.lease_ttl + timedelta(seconds=1))
        for _ in range(8):
            result = rig.run()
            pending = rig.memory.session().outbox.pending("acc", limit=1)
            if result.outcome is JobOutcome.DONE and not pending and not rig.queue.take():
                break
        else:
            raise AssertionError(f"no quiet sync: {result}, pending {pending}")
        # The pull that the calendar's notification of calsync's last writes asks for: it sees
        # them come back (e.g. a create that took an id an import's deleted event held, so that
        # import's link is let go), and must change nothing else.
        assert rig.run().outcome is JobOutcome.DONE
        world = self._world()
        check_links(world, self.users.edits)
        check_coverage(world, "ann", self.users.edits)
        check_edits(world, self.users.edits)
        check_decisions(world, self.users.edits)
        check_kept(world, self.users.crm_work, self.users.gone_on_purpose)
        check_events_kept(world, self.users.edits, self.users.crm_deleted)
        writes = rig.provider.writes
        versions = {a.id: a.version for a in rig.activities()}
        assert rig.run().outcome is JobOutcome.DONE
        assert rig.provider.writes == writes, "a quiet sync wrote to the calendar"
        assert {a.id: a.version for a in rig.activities()} == versions, (
            "a quiet sync wrote to the CRM"
        )
        assert writes <= 2 * self.budget, f"{writes} calendar writes for a budget of {self.budget}"

    def _world(self) -> World:
        rig = self.rig
        settings = rig.stored_account().settings
        assert settings is not None
        session = rig.memory.session()
        owners = ("ann", "bob")
        return World(
            account=rig.stored_account(),
            settings=settings,
            activities={a.id: a for o in owners for a in session.activities.for_owner("c", o)},
            events={calendar: rig.events(calendar) for calendar in (EMAIL, SECOND)},
            links=list(session.links.all("acc")),
            conflicts=session.conflicts.recent("acc", limit=10_000),
            now=rig.clock.now(),
        )


TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = PROFILE
if LONG:  # minutes, beyond the suite's per-test time limit
    TestSyncMachine = pytest.mark.timeout(0)(TestSyncMachine)
