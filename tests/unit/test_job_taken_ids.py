"""An event calsync did not make holding the id calsync derives for an activity (a 409 on
create), and what happens when that event goes and calsync's create takes the id back."""

from __future__ import annotations

from datetime import timedelta

from calsync.domain import CalendarEvent, LinkState
from calsync.domain.ids import event_id_for, imported_activity_id
from calsync.sync.jobs import JobOutcome

from tests.unit.rig import EMAIL, Rig


def _squat(rig: Rig, activity_id: str) -> CalendarEvent:
    start = rig.clock.now() + timedelta(hours=30)
    foreign = CalendarEvent(
        id=event_id_for(activity_id),
        calendar_id=EMAIL,
        summary="Someone else's",
        start=start,
        end=start + timedelta(hours=1),
    )
    return rig.service.user_create(EMAIL, foreign)


def test_a_taken_id_is_refused_and_recorded_and_the_foreign_event_is_imported() -> None:
    rig = Rig()
    mine = rig.crm_create(subject="Mine")
    foreign = _squat(rig, mine.id)
    assert rig.run().outcome is JobOutcome.DONE
    [refused] = rig.memory.session().conflicts.recent("acc", limit=10)
    assert (refused.activity_id, refused.field) == (mine.id, "*")
    imported = imported_activity_id(rig.account, EMAIL, foreign.id)
    links = {link.activity_id: link for link in rig.memory.session().links.all("acc")}
    assert set(links) == {imported}  # the foreign event is an ordinary event: imported
    assert rig.memory.session().outbox.pending("acc", limit=10) == []


def test_when_the_foreign_event_goes_our_create_takes_the_id_and_the_import_goes() -> None:
    rig = Rig()
    mine = rig.crm_create(subject="Mine")
    foreign = _squat(rig, mine.id)
    rig.run()
    imported = imported_activity_id(rig.account, EMAIL, foreign.id)
    rig.clock.advance(timedelta(minutes=1))
    rig.service.user_delete(EMAIL, foreign.id)
    rig.crm_update(mine.id, subject="Mine, again")
    assert rig.run(pull=False).outcome is JobOutcome.DONE  # creates: the id is free again
    [ours] = rig.events()
    assert (ours.id, ours.crm_activity_id, ours.summary) == (foreign.id, mine.id, "Mine, again")
    assert rig.run().outcome is JobOutcome.DONE  # the pull sees our event at that id
    links = list(rig.memory.session().links.all("acc"))
    assert [(link.activity_id, link.state) for link in links] == [(mine.id, LinkState.LINKED)]
    assert rig.memory.session().activities.get("c", imported) is None  # its event was deleted
    assert rig.memory.session().activities.get("c", mine.id) is not None
    assert [e.id for e in rig.events()] == [foreign.id]
