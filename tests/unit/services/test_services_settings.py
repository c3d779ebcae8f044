"""Settings: saved at once, checked field by field and against the world; the engine is asked
to reconcile by a job, and a new calendar gets the push channel."""

from __future__ import annotations

from typing import Any

import pytest
from calsync.domain.account import SyncType
from calsync.domain.activity import ActivityType
from calsync.errors import InvalidInput, NotFound

from tests.unit.services.harness import World


def test_patch_on_a_new_account_saves_validated_settings(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    assert world.services.account_settings.get(world.demo, account.id) is None
    saved = world.services.account_settings.patch(
        world.demo, account.id, {"calendar_id": "demo@gmail.test", "sync_type": "one_way"}
    )
    assert saved.sync_type is SyncType.ONE_WAY
    assert world.account(account.id).settings == saved
    assert world.queue.pending == []  # not syncing: nothing to reconcile yet


def test_patch_changes_only_what_is_sent(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test", export_types=["call", "meeting"])
    saved = world.services.account_settings.patch(
        world.demo, account.id, {"include_deal_and_contact": False}
    )
    assert saved.export_types == ("call", "meeting")
    assert saved.include_deal_and_contact is False


def test_patch_of_a_syncing_account_asks_for_a_job_and_keeps_the_sync_state(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.queue.take()
    world.later(seconds=30)
    world.services.account_settings.patch(world.demo, account.id, {"export_types": ["call"]})
    assert [job.account_id for job in world.queue.pending] == [account.id]
    after = world.account(account.id)
    assert after.sync == account.sync
    assert after.channel == account.channel


def test_a_new_calendar_moves_the_push_channel(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.calendar.add_calendar("demo@gmail.test", "crm@group.memory")
    world.services.account_settings.patch(
        world.demo, account.id, {"calendar_id": "crm@group.memory"}
    )
    moved = world.account(account.id)
    assert moved.channel is not None
    assert account.channel is not None
    assert moved.channel.calendar_id == "crm@group.memory"
    assert world.calendar.watches[account.channel.id].stopped
    assert world.storage.session().channels.get(account.channel.id) is None
    assert world.storage.session().channels.get(moved.channel.id) is not None


def test_company_custom_types_are_accepted_inactive_ones_refused(world: World) -> None:
    directory = world.storage.session().directory
    directory.put_activity_type("c1", ActivityType(key="demo_day", name="Demo day"))
    directory.put_activity_type("c1", ActivityType(key="lunch", name="Lunch", active=False))
    account = world.connect(world.demo, "demo@gmail.test")
    body = {"calendar_id": "demo@gmail.test", "export_types": ["demo_day", "call"]}
    assert world.services.account_settings.patch(world.demo, account.id, body).export_types == (
        "call",
        "demo_day",
    )
    with pytest.raises(InvalidInput) as refused:
        world.services.account_settings.patch(world.demo, account.id, {"import_as_type": "lunch"})
    assert set(refused.value.fields) == {"import_as_type"}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"calendar_id": "not-mine@group.memory"}, {"calendar_id"}),
        ({"sync_type": "three_way"}, {"sync_type"}),
        (
            {"default_visibility": "nobody", "private_events": "hide"},
            {"default_visibility", "private_events"},
        ),
        ({"export_types": ["call", "karaoke"]}, {"export_types"}),
        ({"import_as_type": "Bad Type"}, {"import_as_type"}),
        ({"include_deal_and_contact": "perhaps"}, {"include_deal_and_contact"}),
        ({"colour": "blue"}, {"colour"}),
        ({"calendar_id": ""}, {"calendar_id"}),
    ],
)
def test_bad_settings_are_refused_naming_each_field_and_change_nothing(
    world: World, changes: dict[str, Any], fields: set[str]
) -> None:
    world.calendar.add_calendar("someone@gmail.test", "not-mine@group.memory")
    account = world.start(world.demo, "demo@gmail.test")
    writes = world.writes()
    with pytest.raises(InvalidInput) as refused:
        world.services.account_settings.patch(world.demo, account.id, changes)
    assert set(refused.value.fields) == fields
    assert world.writes() == writes
    assert world.account(account.id) == account


def test_a_calendar_the_user_cannot_write_to_is_refused(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    info = world.calendar.add_calendar("demo@gmail.test", "holidays@group.memory")
    world.calendar.calendars[info.id].info = info.model_copy(update={"writable": False})
    with pytest.raises(InvalidInput) as refused:
        world.services.account_settings.patch(
            world.demo, account.id, {"calendar_id": "holidays@group.memory"}
        )
    assert "calendar_id" in refused.value.fields


def test_another_users_settings_are_not_found(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    with pytest.raises(NotFound):
        world.services.account_settings.get(world.bob, account.id)
    with pytest.raises(NotFound):
        world.services.account_settings.patch(world.bob, account.id, {"sync_type": "one_way"})
