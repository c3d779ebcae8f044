"""The Storage contract, repositories: every method of every repository, for every adapter.

Parametrised by the `storage` fixture (tests/contract/conftest.py): each adapter of the port
must pass all of it unchanged.
"""

from __future__ import annotations

from datetime import date, timedelta

from calsync.domain import (
    AccountStatus,
    ActivityType,
    Channel,
    ChannelRoute,
    LinkedItem,
    LinkedItemKind,
    OAuthState,
    Problem,
    SyncSettings,
    SyncState,
    User,
)
from calsync.ports import Storage

from tests.contract.samples import T0, account, activity, conflict, entry, link

# -- accounts -----------------------------------------------------------------------------------


def test_accounts_put_get_delete(storage: Storage) -> None:
    s = storage.session()
    assert s.accounts.get("acc1") is None
    s.accounts.put(account())
    assert s.accounts.get("acc1") == account()
    s.accounts.put(account(email="new@example.com"))
    assert s.accounts.get("acc1") == account(email="new@example.com")
    s.accounts.delete("acc1")
    assert s.accounts.get("acc1") is None
    s.accounts.delete("acc1")  # deleting what is not there is fine


def test_accounts_keep_every_field(storage: Storage) -> None:
    full = account(
        sync=SyncState(
            cursor="c:1",
            cursor_calendar_id="cal",
            window_start=T0,
            failures=2,
            applied_settings=SyncSettings(calendar_id="cal", export_types=("call",)),
        ),
        channel=Channel(id="ch", resource_id="r", calendar_id="cal", token_hash="h", expires_at=T0),
        scopes=("a", "b"),
    )
    storage.session().accounts.put(full)
    assert storage.session().accounts.get("acc1") == full


def test_accounts_for_user(storage: Storage) -> None:
    s = storage.session()
    s.accounts.put(account("a1", "u1"))
    s.accounts.put(account("a2", "u1"))
    s.accounts.put(account("a3", "u2"))
    s.accounts.put(account("a4", "u1", company_id="c2"))
    assert sorted(a.id for a in s.accounts.for_user("c1", "u1")) == ["a1", "a2"]
    assert s.accounts.for_user("c1", "nobody") == []


def test_accounts_due_are_syncing_and_earliest_first(storage: Storage) -> None:
    s = storage.session()

    def due(account_id: str, minutes: int, status: AccountStatus = AccountStatus.SYNCING) -> None:
        at = T0 + timedelta(minutes=minutes)
        s.accounts.put(account(account_id, status=status, sync=SyncState(next_check_at=at)))

    due("late", 5)
    due("early", -5)
    due("now", 0)
    due("future", 60)
    due("stopped", -10, AccountStatus.SYNCED_PREVIOUSLY)
    s.accounts.put(account("never"))
    assert [a.id for a in s.accounts.due(T0, limit=10)] == ["early", "now"]
    assert [a.id for a in s.accounts.due(T0 + timedelta(minutes=5), limit=2)] == ["early", "now"]


def test_accounts_channels_expiring(storage: Storage) -> None:
    s = storage.session()
    for name, minutes in (("soon", 10), ("later", 120), ("sooner", 5)):
        channel = Channel(
            id=name,
            resource_id="r",
            calendar_id="cal",
            token_hash="h",
            expires_at=T0 + timedelta(minutes=minutes),
        )
        s.accounts.put(account(name, channel=channel))
    s.accounts.put(account("none"))
    found = s.accounts.channels_expiring(T0 + timedelta(minutes=60), limit=10)
    assert [a.id for a in found] == ["sooner", "soon"]
    assert len(s.accounts.channels_expiring(T0 + timedelta(minutes=60), limit=1)) == 1


def test_accounts_leases_expired(storage: Storage) -> None:
    s = storage.session()
    s.accounts.put(
        account("stale", sync=SyncState(lease_holder="j", lease_until=T0 - timedelta(seconds=1)))
    )
    s.accounts.put(
        account("held", sync=SyncState(lease_holder="j", lease_until=T0 + timedelta(minutes=1)))
    )
    s.accounts.put(account("free"))
    assert [a.id for a in s.accounts.leases_expired(T0, limit=10)] == ["stale"]
    s.accounts.put(
        account("staler", sync=SyncState(lease_holder="k", lease_until=T0 - timedelta(hours=1)))
    )
    assert [a.id for a in s.accounts.leases_expired(T0, limit=10)] == ["staler", "stale"]
    assert [a.id for a in s.accounts.leases_expired(T0, limit=1)] == ["staler"]


def test_accounts_with_error_by_code_and_id(storage: Storage) -> None:
    s = storage.session()
    for name in ("c", "a", "b"):
        s.accounts.put(account(name, error=Problem(code="unconfirmed", message="m", at=T0)))
    s.accounts.put(account("other", error=Problem(code="needs_reauth", message="m", at=T0)))
    s.accounts.put(account("fine"))
    assert [a.id for a in s.accounts.with_error("unconfirmed", limit=2)] == ["a", "b"]
    assert [a.id for a in s.accounts.with_error("unconfirmed", limit=2, after="b")] == ["c"]
    assert [a.id for a in s.accounts.with_error("needs_reauth", limit=5)] == ["other"]
    assert s.accounts.with_error("nothing", limit=5) == []


# -- activities ---------------------------------------------------------------------------------


def test_activities_put_get_many_delete(storage: Storage) -> None:
    s = storage.session()
    first, second = activity("a1"), activity("a2", note="private note", attendees=("x@y.zz",))
    s.activities.put(first)
    s.activities.put(second)
    assert s.activities.get("c1", "a2") == second
    assert s.activities.get("c2", "a2") is None
    assert s.activities.get_many("c1", ["a2", "missing", "a1", "a2"]) == {"a1": first, "a2": second}
    s.activities.delete("c1", "a1")
    assert s.activities.get("c1", "a1") is None


def test_activities_all_day_round_trip(storage: Storage) -> None:
    s = storage.session()
    allday = activity(
        "d",
        start=None,
        end=None,
        start_date=date(2030, 2, 1),
        end_date=date(2030, 2, 2),
        timezone="Europe/Berlin",
    )
    s.activities.put(allday)
    assert s.activities.get("c1", "d") == allday


def test_activities_for_owner_filters(storage: Storage) -> None:
    s = storage.session()
    s.activities.put(activity("past", hours=-5))
    s.activities.put(activity("soon", hours=5))
    s.activities.put(activity("call", hours=5, type="call"))
    s.activities.put(activity("other", hours=5, owner="u2"))
    assert sorted(a.id for a in s.activities.for_owner("c1", "u1")) == ["call", "past", "soon"]
    assert sorted(a.id for a in s.activities.for_owner("c1", "u1", ends_after=T0)) == [
        "call",
        "soon",
    ]
    found = s.activities.for_owner("c1", "u1", ends_after=T0, types=["meeting"])
    assert [a.id for a in found] == ["soon"]


def test_activities_overlapping(storage: Storage) -> None:
    s = storage.session()
    s.activities.put(activity("in", hours=2))
    s.activities.put(activity("out", hours=10))
    s.activities.put(activity("other-owner", hours=2, owner="u2"))
    found = s.activities.overlapping("c1", T0 + timedelta(hours=1), T0 + timedelta(hours=4))
    assert sorted(a.id for a in found) == ["in", "other-owner"]


# -- links, outbox, conflicts ------------------------------------------------------------------


def test_links(storage: Storage) -> None:
    s = storage.session()
    s.links.put("acc1", link("a1"))
    s.links.put("acc1", link("a2"))
    s.links.put("acc2", link("a1", event_id="other"))
    assert s.links.get("acc1", "a1") == link("a1")
    assert s.links.get("acc2", "a1") == link("a1", event_id="other")
    assert s.links.get_many("acc1", ["a2", "nope"]) == {"a2": link("a2")}
    assert sorted(x.activity_id for x in s.links.all("acc1")) == ["a1", "a2"]
    s.links.delete("acc1", "a1")
    assert [x.activity_id for x in s.links.all("acc1")] == ["a2"]


def test_outbox_pending_oldest_first_and_limited(storage: Storage) -> None:
    s = storage.session()
    s.outbox.put(entry("b", 2))
    s.outbox.put(entry("a", 1))
    s.outbox.put(entry("c", 3))
    s.outbox.put(entry("x", 0, account_id="acc2"))
    assert [e.activity_id for e in s.outbox.pending("acc1", limit=10)] == ["a", "b", "c"]
    assert [e.activity_id for e in s.outbox.pending("acc1", limit=2)] == ["a", "b"]
    s.outbox.put(entry("a", 9, version=2))  # one entry per activity: a re-put replaces it
    assert [e.activity_id for e in s.outbox.pending("acc1", limit=10)] == ["b", "c", "a"]
    assert s.outbox.get("acc1", "a") == entry("a", 9, version=2)
    s.outbox.delete("acc1", "b")
    assert s.outbox.get("acc1", "b") is None


def test_outbox_forgotten_across_accounts(storage: Storage) -> None:
    s = storage.session()
    s.outbox.put(entry("old", -30))
    s.outbox.put(entry("older", -60, account_id="acc2"))
    s.outbox.put(entry("fresh", 0))
    found = s.outbox.forgotten(T0 - timedelta(minutes=10), limit=10)
    assert [(e.account_id, e.activity_id) for e in found] == [("acc2", "older"), ("acc1", "old")]


def test_outbox_forgotten_pages_with_a_cursor_ties_included(storage: Storage) -> None:
    s = storage.session()
    for account_id in ("acc2", "acc1"):  # one instant for several entries: ties in a fixed order
        for activity_id in ("b", "a"):
            s.outbox.put(entry(activity_id, -30, account_id=account_id))
    s.outbox.put(entry("z", -40))
    older_than = T0 - timedelta(minutes=10)
    seen, after = [], None
    while page := s.outbox.forgotten(older_than, limit=2, after=after):
        seen += [(e.account_id, e.activity_id) for e in page]
        after = page[-1]
    assert seen == [("acc1", "z"), ("acc1", "a"), ("acc1", "b"), ("acc2", "a"), ("acc2", "b")]


def test_conflicts_recent_newest_first(storage: Storage) -> None:
    s = storage.session()
    for index in range(3):
        s.conflicts.add(conflict(f"k{index}", index))
    assert [c.id for c in s.conflicts.recent("acc1", limit=2)] == ["k2", "k1"]
    assert s.conflicts.recent("acc2", limit=5) == []


# -- small stores -------------------------------------------------------------------------------


def test_credentials_channels_and_oauth_states(storage: Storage) -> None:
    s = storage.session()
    s.credentials.put("acc1", b"\x00sealed\xff")
    assert s.credentials.get("acc1") == b"\x00sealed\xff"
    s.credentials.delete("acc1")
    assert s.credentials.get("acc1") is None

    route = ChannelRoute(channel_id="ch", account_id="acc1", token_hash="h", expires_at=T0)
    s.channels.put(route)
    assert s.channels.get("ch") == route
    s.channels.delete("ch")
    assert s.channels.get("ch") is None

    pending = OAuthState(
        state="st",
        company_id="c1",
        user_id="u1",
        provider="google",
        sealed_code_verifier="c2VhbGVk",
        expires_at=T0,
    )
    s.oauth_states.put(pending)
    assert s.oauth_states.get("st") == pending
    s.oauth_states.delete("st")
    assert s.oauth_states.get("st") is None


def test_directory(storage: Storage) -> None:
    s = storage.session()
    ann = User(id="u1", company_id="c1", email="Ann@Example.com", name="Ann")
    s.directory.put_user(ann)
    assert s.directory.user("c1", "u1") == ann
    assert s.directory.user("c2", "u1") is None
    assert s.directory.user_by_email("ann@example.COM") == ann
    assert s.directory.user_by_email("bob@example.com") is None

    keys = {t.key for t in s.directory.activity_types("c1")}
    assert {"call", "meeting", "task", "deadline", "email", "lunch"} <= keys
    s.directory.put_activity_type("c1", ActivityType(key="demo", name="Demo"))
    s.directory.put_activity_type("c1", ActivityType(key="call", name="Phone", builtin=True))
    types = {t.key: t for t in s.directory.activity_types("c1")}
    assert types["demo"].name == "Demo"
    assert types["call"].name == "Phone"
    assert "demo" not in {t.key for t in s.directory.activity_types("c2")}

    deal = LinkedItem(
        kind=LinkedItemKind.DEAL, id="d1", company_id="c1", name="Big deal", owner_id="u1"
    )
    s.directory.put_linked_item(deal)
    assert s.directory.linked_item("c1", LinkedItemKind.DEAL, "d1") == deal
    assert s.directory.linked_item("c1", LinkedItemKind.PERSON, "d1") is None
