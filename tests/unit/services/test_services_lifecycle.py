"""Start (first start, resume, reconnect), stop and remove."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.auth.tokens import token_matches
from calsync.domain.account import Account, AccountStatus, SyncType
from calsync.domain.link import Conflict, Link, OutboxEntry, Side
from calsync.domain.schedule import evolve
from calsync.errors import Conflict as ConflictError
from calsync.errors import (
    InvalidInput,
    NeedsReauthorization,
    NotFound,
    ProviderAuthError,
    ProviderUnavailable,
)
from calsync.services.connect import CallbackParams

from tests.unit.services.harness import World, state_of


def test_start_syncs_opens_a_channel_and_asks_for_a_job(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    assert account.status is AccountStatus.SYNCING
    assert account.sync.window_start == world.clock.now()
    assert account.sync.next_check_at == world.clock.now() + world.settings.poll_interval
    assert [job.account_id for job in world.queue.pending] == [account.id]
    channel = account.channel
    assert channel is not None
    watch = world.calendar.watches[channel.id]
    assert watch.address == "https://functions.example.com/webhooks/google"
    route = world.storage.session().channels.get(channel.id)
    assert route is not None
    assert route.account_id == account.id
    assert token_matches(watch.token, route.token_hash)
    assert watch.token not in route.model_dump_json() + account.model_dump_json()


def test_start_without_any_settings_names_the_missing_calendar(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    writes = world.writes()
    with pytest.raises(InvalidInput) as refused:
        world.services.lifecycle.start(world.demo, account.id, {})
    assert "calendar_id" in refused.value.fields
    assert world.writes() == writes
    assert world.queue.pending == []


def test_resume_an_unfinished_setup_with_its_saved_settings(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    world.services.account_settings.patch(
        world.demo, account.id, {"calendar_id": "demo@gmail.test", "sync_type": "one_way"}
    )
    started = world.services.lifecycle.start(world.demo, account.id, {})
    assert started.status is AccountStatus.SYNCING
    assert started.settings is not None
    assert started.settings.sync_type is SyncType.ONE_WAY


def test_stop_keeps_settings_cursor_and_tokens(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    assert account.channel is not None
    with_cursor = evolve(account, sync=evolve(account.sync, cursor="c-42"))
    world.storage.session().accounts.put(with_cursor)
    stopped = world.services.lifecycle.stop(world.demo, account.id)
    assert stopped.status is AccountStatus.SYNCED_PREVIOUSLY
    assert stopped.channel is None
    assert stopped.settings == account.settings
    assert stopped.sync.cursor == "c-42"
    assert world.storage.session().credentials.get(account.id) is not None
    assert world.calendar.watches[account.channel.id].stopped
    assert world.storage.session().channels.get(account.channel.id) is None


def test_reconnect_resumes_where_it_stopped(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test", sync_type="one_way")
    world.storage.session().accounts.put(evolve(account, sync=evolve(account.sync, cursor="c-42")))
    world.services.lifecycle.stop(world.demo, account.id)
    world.later(days=3)
    again = world.services.lifecycle.start(world.demo, account.id, {})
    assert again.status is AccountStatus.SYNCING
    assert again.sync.window_start == account.sync.window_start
    assert again.sync.cursor == "c-42"
    assert again.settings == account.settings
    assert again.channel is not None
    assert again.channel.id != (account.channel.id if account.channel else None)


def test_reconnect_makes_the_next_job_catch_up_in_full(world: World) -> None:
    """Activities made while stopped wrote no outbox entry: the engine catches them up with a
    full reconcile, which it does when no settings count as applied."""
    account = world.start(world.demo, "demo@gmail.test")
    applied = evolve(account.sync, applied_settings=account.settings)
    world.storage.session().accounts.put(evolve(account, sync=applied))
    world.services.lifecycle.start(world.demo, account.id, {})  # again, while syncing: kept
    assert state_of_account(world, account.id).sync.applied_settings == account.settings
    world.services.lifecycle.stop(world.demo, account.id)
    again = world.services.lifecycle.start(world.demo, account.id, {})
    assert again.sync.applied_settings is None
    assert state_of_account(world, account.id).sync.applied_settings is None


def state_of_account(world: World, account_id: str) -> Account:
    stored = world.storage.session().accounts.get(account_id)
    assert stored is not None
    return stored


def test_reconnect_with_new_settings_uses_them(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.services.lifecycle.stop(world.demo, account.id)
    again = world.services.lifecycle.start(world.demo, account.id, {"sync_type": "one_way"})
    assert again.settings is not None
    assert again.settings.sync_type is SyncType.ONE_WAY


def test_start_of_a_needs_reauth_account_asks_for_consent(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.services.lifecycle.stop(world.demo, account.id)
    world.calendar.revoke("demo@gmail.test")
    with pytest.raises(NeedsReauthorization):
        world.services.lifecycle.start(world.demo, account.id, {})
    assert world.account(account.id).status is AccountStatus.NEEDS_REAUTH
    with pytest.raises(NeedsReauthorization):
        world.services.lifecycle.start(world.demo, account.id, {})


def test_start_goes_on_without_push_when_the_channel_cannot_open(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    world.calendar.fail_next("events.watch", ProviderUnavailable("down"))
    started = world.services.lifecycle.start(
        world.demo, account.id, {"calendar_id": "demo@gmail.test"}
    )
    assert started.status is AccountStatus.SYNCING
    assert started.channel is None
    assert [job.account_id for job in world.queue.pending] == [account.id]


def test_stop_before_start_is_a_conflict_and_another_users_account_not_found(
    world: World,
) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    with pytest.raises(ConflictError):
        world.services.lifecycle.stop(world.demo, account.id)
    with pytest.raises(NotFound):
        world.services.lifecycle.start(world.bob, account.id, {"calendar_id": "demo@gmail.test"})
    assert world.account(account.id) == account


def test_remove_revokes_and_forgets_everything_but_keeps_activities(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    assert account.channel is not None
    session = world.storage.session()
    session.links.put(
        account.id, Link(activity_id="a1", event_id="e1", calendar_id="x", origin="crm")
    )
    now = world.clock.now()
    session.outbox.put(
        OutboxEntry(
            account_id=account.id,
            activity_id="a1",
            op="upsert",
            activity_version=2,
            enqueued_at=now,
        )
    )
    session.conflicts.add(
        Conflict(
            id="k1", account_id=account.id, activity_id="a1", event_id="e1", field="subject",
            crm_value="a", calendar_value="b", winner=Side.CRM, reason="later", decided_at=now,
        )
    )  # fmt: skip
    world.services.lifecycle.remove(world.demo, account.id)
    assert session.accounts.get(account.id) is None
    assert session.credentials.get(account.id) is None
    assert session.channels.get(account.channel.id) is None
    assert list(session.links.all(account.id)) == []
    assert session.outbox.pending(account.id, limit=10) == []
    assert session.conflicts.recent(account.id, limit=10) == []
    assert world.calendar.watches[account.channel.id].stopped
    assert world.oauth.revoked_tokens
    with pytest.raises(NeedsReauthorization):  # Google no longer accepts the old grant
        world.services.context.call_calendar(account, lambda p: p.calendars())


def test_remove_still_forgets_when_the_provider_is_down(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.calendar.fail_next("*", ProviderUnavailable("down"), times=5)
    world.services.lifecycle.remove(world.demo, account.id)
    assert world.storage.session().accounts.get(account.id) is None
    assert world.storage.session().credentials.get(account.id) is None


def test_a_refresh_from_a_running_job_does_not_resurrect_removed_tokens(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    credentials = world.services.context.vault.load(account.id)
    assert credentials is not None
    world.services.context.vault.open_provider(account)  # this process holds its tokens
    world.services.lifecycle.remove(world.demo, account.id)
    with pytest.raises(ProviderAuthError):  # ... no more, even for the account as it was
        world.services.context.vault.open_provider(account)
    world.services.context.vault._refreshed(account.id, account.credentials_version, credentials)
    assert world.storage.session().credentials.get(account.id) is None


def test_start_sets_the_window_once(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.later(hours=1)
    again = world.services.lifecycle.start(world.demo, account.id, {})
    assert again.sync.window_start == account.sync.window_start
    assert again.sync.next_check_at == world.clock.now() + timedelta(
        seconds=world.settings.poll_interval_seconds
    )


def test_restarting_after_reauthorization_replaces_the_old_channel(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    assert account.channel is not None
    world.calendar.revoke("demo@gmail.test")
    world.services.context.record_needs_reauth(account.id)
    url = world.services.connect.start(world.demo, {"provider": "google", "account_id": account.id})
    code = world.oauth.approve(url)
    world.services.connect.callback(CallbackParams(state_of(url), code, None))
    restarted = world.services.lifecycle.start(world.demo, account.id, {})
    assert restarted.channel is not None
    assert restarted.channel.id != account.channel.id
    assert world.storage.session().channels.get(account.channel.id) is None
