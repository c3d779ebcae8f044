"""The demo's first act: connect Google, pick a calendar and the options, and start syncing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from calsync.devstack.client import TIMEOUT, wait_for
from calsync.devstack.scene import SYNC_WAIT, Scene

EXPORT_TYPES = ["call", "lunch", "meeting", "site_visit"]


def connect(scene: Scene) -> None:
    t, email = scene.timeline, scene.google.email
    url = scene.ann.authorization_url(email)
    query = parse_qs(urlsplit(url).query)
    t.show(f"POST /oauth/start -> Google consent at {url.split('?')[0]}")
    t.check(query.get("login_hint") == [email], f"the consent page has {email} pre-filled")
    t.check(query.get("code_challenge_method") == ["S256"], "the request is bound by PKCE")
    landed = requests.get(url, timeout=TIMEOUT)  # a browser, following every redirect
    for hop in [*landed.history, landed]:
        t.show(f"{hop.status_code} {urlsplit(hop.url).path}")
    found = parse_qs(urlsplit(landed.url).query)
    t.check("account_id" in found, "Google sent the browser back to the sync options")
    scene.account_id = found["account_id"][0]
    t.check("confirmation" in found, "with a one-time code for this browser only")
    pending = scene.ann.request("GET", f"/accounts/{scene.account_id}/calendars")
    t.check(pending.status_code == 409, "a new connection is unusable until it is confirmed")
    account = scene.ann.confirm(scene.account_id, found["confirmation"][0])
    t.show("POST /oauth/confirm with the code: the connection is Ann's")
    t.check(account["status"] == "ready_to_connect", "the account is 'ready to connect'")


def separate_calendar(scene: Scene) -> None:
    t = scene.timeline
    calendars = scene.ann.calendars(scene.account_id)
    t.show("calendars: " + ", ".join(c["name"] for c in calendars))
    made = scene.ann.create_calendar(scene.account_id)
    t.show(f"created {made['name']!r} ({made['id'][:18]}...)")
    t.check(made["name"] == "CRM activities" and made["writable"], "a writable 'CRM activities'")
    again = scene.ann.create_calendar(scene.account_id)
    t.check(again["id"] == made["id"], "asking again reuses it instead of making a second one")
    scene.calendar_id = made["id"]


def preview(scene: Scene) -> None:
    t = scene.timeline
    for option in ("everyone", "only_me", "skip"):
        view = scene.ann.preview(scene.account_id, option)
        others = view["others"]
        seen = others["title"] if others["shown"] else "(nothing)"
        t.show(
            f"{option:9} calendar: {view['calendar']['title']!r}, owner: "
            f"{view['owner']['title']!r}, others: {seen!r}"
        )
    only_me = scene.ann.preview(scene.account_id, "only_me")
    t.check(
        only_me["others"]["blocks_time"]
        and only_me["others"]["title"] != only_me["owner"]["title"],
        "'only me': others see a busy block, not the details",
    )
    skip = scene.ann.preview(scene.account_id, "skip")
    t.check(not skip["owner"]["blocks_time"], "'don't sync': the time is not blocked in the CRM")


def options(scene: Scene) -> None:
    t = scene.timeline
    chosen = {
        "calendar_id": scene.calendar_id,
        "sync_type": "two_way",
        "default_visibility": "everyone",
        "private_events": "only_me",
        "import_as_type": "meeting",
        "export_types": EXPORT_TYPES,
        "include_deal_and_contact": True,
    }
    saved = scene.ann.save_settings(scene.account_id, **chosen)
    for name, value in chosen.items():
        if name != "calendar_id":
            t.show(f"{name} = {value}")
    t.check(saved == chosen, "each option is saved at once, exactly as chosen")
    t.check(
        scene.ann.account(scene.account_id)["status"] == "ready_to_connect",
        "saving options does not start the sync",
    )


def start(scene: Scene) -> None:
    t = scene.timeline
    account = scene.ann.start(scene.account_id)
    t.check(account["status"] == "syncing", "the account is 'syncing'")
    synced = wait_for(
        "the first sync",
        lambda: scene.ann.account(scene.account_id)["last_synced_at"],
        SYNC_WAIT,
    )
    t.show(f"first sync finished in the background at {synced}")
    t.check(True, "the user may leave the page: the first sync ran on its own")
