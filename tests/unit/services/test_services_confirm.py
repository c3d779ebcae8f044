"""A new connection is unusable until the browser that consented confirms it for the CRM user
who started the consent; unconfirmed ones are removed (tokens revoked) after the state
lifetime."""

from __future__ import annotations

import pytest
from calsync.auth.tokens import token_hash
from calsync.domain.account import AccountStatus
from calsync.errors import Conflict, InvalidInput, NotFound, OAuthRefused, Unconfirmed
from calsync.services.connect import CallbackParams, Connected

from tests.unit.services.harness import World


def _body(connected: Connected, code: str | None = None) -> dict[str, object]:
    return {"account_id": connected.account_id, "code": code or connected.confirmation}


def test_a_new_connection_is_unusable_until_confirmed(world: World) -> None:
    connected = world.consent(world.demo, "demo@gmail.test")
    assert connected.confirmation is not None
    account = world.account(connected.account_id)
    assert account.status is AccountStatus.READY_TO_CONNECT
    assert account.error is not None
    assert account.error.code == "unconfirmed"
    key = f"confirm-{token_hash(connected.confirmation)}"  # only the code's hash is kept
    stored = world.storage.session().oauth_states.get(key)
    assert stored is not None
    assert stored.account_id == connected.account_id
    assert connected.confirmation not in stored.model_dump_json()
    services, user, account_id = world.services, world.demo, connected.account_id
    refused = [
        lambda: services.accounts.calendars(user, account_id),
        lambda: services.accounts.create_calendar(user, account_id, {}),
        lambda: services.account_settings.patch(user, account_id, {"sync_type": "one_way"}),
        lambda: services.lifecycle.start(user, account_id, {"calendar_id": "demo@gmail.test"}),
    ]
    writes, calls = world.writes(), sum(world.calendar.calls.values())
    for attempt in refused:
        with pytest.raises(Unconfirmed):
            attempt()
    assert world.writes() == writes
    assert sum(world.calendar.calls.values()) == calls, "the calendar is not even asked"

    confirmed = services.confirm.confirm(user, _body(connected))
    assert confirmed.error is None
    started = services.lifecycle.start(user, account_id, {"calendar_id": "demo@gmail.test"})
    assert started.status is AccountStatus.SYNCING


def test_only_the_user_who_started_it_confirms_with_the_right_code_once(world: World) -> None:
    connected = world.consent(world.demo, "demo@gmail.test")
    other = world.consent(world.demo, "other@gmail.test")  # a code of another connection
    assert other.confirmation is not None
    writes = world.writes()
    for intruder in (world.bob, world.eve):  # the victim's frontend, with its own bearer
        with pytest.raises(NotFound):
            world.services.confirm.confirm(intruder, _body(connected))
    with pytest.raises(InvalidInput) as wrong:
        world.services.confirm.confirm(world.demo, _body(connected, "guessed"))
    assert set(wrong.value.fields) == {"code"}
    with pytest.raises(InvalidInput):
        world.services.confirm.confirm(world.demo, _body(connected, other.confirmation))
    assert world.writes() == writes
    world.services.confirm.confirm(world.demo, _body(connected))
    with pytest.raises(Conflict):
        world.services.confirm.confirm(world.demo, _body(connected))
    with pytest.raises(InvalidInput) as bad:
        world.services.confirm.confirm(world.demo, {"account_id": 5})
    assert set(bad.value.fields) == {"account_id", "code"}


def test_refreshing_a_confirmed_account_needs_no_code_an_unconfirmed_one_gets_a_new_one(
    world: World,
) -> None:
    account = world.connect(world.demo, "demo@gmail.test")  # confirmed
    assert world.consent(world.demo, "demo@gmail.test") == Connected(account.id, None)
    assert world.account(account.id).error is None
    first = world.consent(world.demo, "new@gmail.test")
    again = world.consent(world.demo, "new@gmail.test")
    assert again.account_id == first.account_id
    assert again.confirmation not in (None, first.confirmation)
    assert world.account(again.account_id).error is not None
    world.services.confirm.confirm(world.demo, _body(again))
    assert world.account(again.account_id).error is None


def test_unconfirmed_connections_are_removed_after_the_state_lifetime(world: World) -> None:
    late = world.consent(world.demo, "late@gmail.test")
    kept = world.connect(world.demo, "kept@gmail.test")
    world.later(minutes=9)
    assert world.services.fanout.tick().unconfirmed_removed == 0
    assert world.storage.session().accounts.get(late.account_id) is not None
    world.later(minutes=2)
    with pytest.raises(InvalidInput):  # too late to confirm
        world.services.confirm.confirm(world.demo, _body(late))
    revoked = len(world.oauth.revoked_tokens)
    assert world.services.fanout.tick().unconfirmed_removed == 1
    assert world.storage.session().accounts.get(late.account_id) is None
    assert world.storage.session().credentials.get(late.account_id) is None
    assert len(world.oauth.revoked_tokens) > revoked
    assert world.account(kept.id).error is None
    assert world.services.fanout.tick().unconfirmed_removed == 0


def test_a_confirmation_is_no_oauth_state(world: World) -> None:
    connected = world.consent(world.demo, "demo@gmail.test")
    assert connected.confirmation is not None
    key = f"confirm-{token_hash(connected.confirmation)}"
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(CallbackParams(key, "any-code", None))
    assert refused.value.reason == "invalid_state"
    assert world.storage.session().oauth_states.get(key) is not None
