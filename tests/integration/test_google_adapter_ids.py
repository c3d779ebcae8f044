"""The Google adapter on the simulator: a create whose id a deleted event holds, when Google
refuses to bring that event back (it is reported to answer 403, or 409 again, for some ids of
deleted events). The refusal is made at the HTTP layer: `LossyNetwork.refuse_updates` turns the
restoring update into an insert of the same resource, which the simulator answers 409
`duplicate` without changing anything. (403 and the other answers, against scripted replies:
tests/unit/test_google_writes.py.)
"""

from __future__ import annotations

from calsync.domain.ids import event_id_for
from calsync.ports import CreateEvent, DeleteEvent, Outcome

from tests.fixtures.google import GoogleSim
from tests.integration.google_helpers import fields
from tests.integration.google_world import GoogleBackend, GoogleRig, google_world

FIRST, SECOND = event_id_for("a1"), event_id_for("a1", 1)


def create(rig: GoogleRig, subject: str) -> CreateEvent:
    return CreateEvent(FIRST, fields(subject=subject), "a1")


def live_ids(rig: GoogleRig) -> list[str]:
    return [event.id for event in rig.user.events(rig.calendar_id)]


def test_a_refused_restore_creates_the_next_generation_once(rig: GoogleRig) -> None:
    [made] = rig.provider.write(rig.calendar_id, [create(rig, "v1")])
    assert made.outcome is Outcome.OK
    rig.provider.write(rig.calendar_id, [DeleteEvent(FIRST)])
    rig.network.refuse_updates(1)
    rig.sim.reset_stats()
    [again] = rig.provider.write(rig.calendar_id, [create(rig, "v2")])
    assert rig.network.refused == 1
    assert rig.units() == 4  # insert (409), get, the refused restore, insert
    assert again.outcome is Outcome.OK, again.detail
    assert again.event is not None
    assert (again.event.id, again.event.summary, again.event.crm_activity_id) == (
        SECOND,
        "v2",
        "a1",
    )
    assert rig.raw(FIRST)["status"] == "cancelled"  # the refused restore changed nothing
    assert live_ids(rig) == [SECOND]
    # The same create once more (its first answer lost, say): no second event.
    rig.network.refuse_updates(1)
    [retried] = rig.provider.write(rig.calendar_id, [create(rig, "v3")])
    assert retried.outcome is Outcome.OK
    assert retried.event is not None
    assert (retried.event.id, retried.event.summary) == (SECOND, "v3")
    assert live_ids(rig) == [SECOND]


def test_the_engine_links_the_next_generation_and_follows_it(google: GoogleSim) -> None:
    """An activity type is left out of the sync (calsync deletes its event) and taken back in:
    the create meets the deleted event, Google refuses to restore it, and the event is made
    under the next generation of the id, which the link records and the sync then follows."""
    world = google_world(google)
    world.add_user("ann")
    account = world.connect(export_types=("meeting", "call"))
    call = world.crm_create(type="call", subject="Call Bea")
    world.sync()
    [event] = world.events()
    assert event.id == event_id_for(call.id)
    world.change_settings(account.id, export_types=("meeting",))
    world.sync()
    assert world.events() == []
    backend = world.backend
    assert isinstance(backend, GoogleBackend)
    backend.network.refuse_updates(1)
    world.change_settings(account.id, export_types=("meeting", "call"))
    world.sync()
    assert backend.network.refused == 1
    [event] = world.events()
    assert event.id == event_id_for(call.id, 1)
    assert event.summary == "Call Bea"
    [link] = world.links(account.id)
    assert (link.activity_id, link.event_id) == (call.id, event.id)
    world.cal().update(event.calendar_id, event.id, summary="Call Bea, moved")
    world.sync()
    assert [a.subject for a in world.activities()] == ["Call Bea, moved"]  # not imported again
    world.crm_update(call.id, location="Phone")
    world.sync()
    [event] = world.events()
    assert (event.id, event.location) == (event_id_for(call.id, 1), "Phone")
    assert world.conflicts(account.id) == []
