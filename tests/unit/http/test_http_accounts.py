"""The `accounts` entry point over WSGI: routes and JSON shapes."""

from __future__ import annotations

from datetime import timedelta

from calsync.domain.link import Conflict, Side

from tests.unit.services.harness import Api, World

ACCOUNT_KEYS = {"id", "provider", "email", "status", "settings", "last_synced_at", "error"}
SETTINGS_KEYS = {
    "calendar_id",
    "sync_type",
    "default_visibility",
    "private_events",
    "import_as_type",
    "export_types",
    "include_deal_and_contact",
}


def test_list_and_get_accounts(api: Api, world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    listed = api("GET", "/accounts")
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json["accounts"]] == [account.id]
    got = api("GET", f"/accounts/{account.id}").json
    assert set(got) == ACCOUNT_KEYS
    assert got["status"] == "ready_to_connect"
    assert (got["settings"], got["last_synced_at"], got["error"]) == (None, None, None)


def test_settings_draft_patch_and_read_back(api: Api, world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    draft = api("GET", f"/accounts/{account.id}/settings").json
    assert set(draft) == SETTINGS_KEYS
    assert draft["calendar_id"] is None
    assert draft["export_types"] == ["call", "meeting", "task", "deadline", "email", "lunch"]
    patched = api(
        "PATCH",
        f"/accounts/{account.id}/settings",
        json={"calendar_id": "demo@gmail.test", "export_types": ["meeting", "call"]},
    )
    assert patched.status_code == 200
    assert patched.json["export_types"] == ["call", "meeting"]
    assert api("GET", f"/accounts/{account.id}/settings").json == patched.json


def test_calendars_and_creating_a_separate_one(api: Api, world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    calendars = api("GET", f"/accounts/{account.id}/calendars").json["calendars"]
    assert calendars == [
        {
            "id": "demo@gmail.test",
            "name": "demo@gmail.test",
            "primary": True,
            "writable": True,
            "timezone": "UTC",
        }
    ]
    created = api("POST", f"/accounts/{account.id}/calendars", json={"name": "CRM activities"})
    assert created.status_code == 201
    assert created.json["name"] == "CRM activities"
    again = api("POST", f"/accounts/{account.id}/calendars")  # no body: the default name
    assert (again.status_code, again.json["id"]) == (200, created.json["id"])


def test_start_stop_and_reconnect(api: Api, world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    started = api("POST", f"/accounts/{account.id}/start", json={"calendar_id": "demo@gmail.test"})
    assert started.status_code == 200
    assert started.json["status"] == "syncing"
    assert started.json["settings"]["calendar_id"] == "demo@gmail.test"
    stopped = api("POST", f"/accounts/{account.id}/stop")
    assert stopped.json["status"] == "synced_previously"
    assert stopped.json["settings"] == started.json["settings"]
    resumed = api("POST", f"/accounts/{account.id}/start")  # empty body: stored settings
    assert resumed.json["status"] == "syncing"
    assert resumed.json["settings"] == started.json["settings"]


def test_needs_reauth_shows_on_the_account_with_what_to_do(api: Api, world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.calendar.revoke("demo@gmail.test")
    refused = api("GET", f"/accounts/{account.id}/calendars")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "needs_reauth"
    shown = api("GET", f"/accounts/{account.id}").json
    assert shown["status"] == "needs_reauth"
    assert shown["error"]["code"] == "needs_reauth"
    assert "reconnect" in shown["error"]["message"]
    again = api("POST", "/oauth/start", json={"provider": "google", "account_id": account.id})
    assert again.status_code == 200


def test_preview_and_conflicts(api: Api, world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    preview = api("GET", f"/accounts/{account.id}/private-event-preview?option=only_me").json
    assert set(preview) == {"option", "calendar", "owner", "others"}
    assert preview["others"]["title"] == "Busy"
    world.storage.session().conflicts.add(
        Conflict(
            id="k1",
            account_id=account.id,
            activity_id="a1",
            event_id="e1",
            field="subject",
            crm_value="CRM",
            calendar_value="Cal",
            winner=Side.CALENDAR,
            reason="later edit",
            decided_at=world.clock.now() - timedelta(minutes=1),
        )
    )
    conflicts = api("GET", f"/accounts/{account.id}/conflicts?limit=5").json["conflicts"]
    assert [(c["id"], c["field"], c["winner"]) for c in conflicts] == [
        ("k1", "subject", "calendar")
    ]


def test_remove_answers_204_and_the_account_is_gone(api: Api, world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    removed = api("DELETE", f"/accounts/{account.id}")
    assert (removed.status_code, removed.data) == (204, b"")
    assert api("GET", f"/accounts/{account.id}").status_code == 404
    assert api("GET", "/accounts").json == {"accounts": []}
