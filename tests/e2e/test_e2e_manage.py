"""Managing an account: edit settings (added/removed type, changed calendar), stop, reconnect,
revoked tokens (needs re-authorization, then consent again), remove."""

from __future__ import annotations

from urllib.parse import quote

from calsync.devstack.client import GoogleUser, wait_for

from tests.e2e.synced import jobs_created, meeting, settle, start_sync, sync_held, timed_event
from tests.fixtures.stack import Tenant


def test_an_added_type_pushes_its_future_activities(tenant: Tenant) -> None:
    synced = start_sync(tenant, export_types=["meeting"])
    call = synced.crm.create_activity(**meeting("Call Hank", type="call"))
    settle(synced.stack)
    assert synced.event_of(call["id"]) is None
    synced.crm.save_settings(synced.account_id, export_types=["call", "meeting"])
    synced.wait_event(call["id"])


def test_a_removed_type_removes_its_events_and_keeps_the_activities(tenant: Tenant) -> None:
    synced = start_sync(tenant, export_types=["call", "meeting"])
    call = synced.crm.create_activity(**meeting("Call Hank", type="call"))
    talk = synced.crm.create_activity(**meeting("Talk", 12, 13))
    synced.wait_event(call["id"])
    synced.wait_event(talk["id"])
    synced.crm.save_settings(synced.account_id, export_types=["meeting"])
    synced.wait_no_event(call["id"])
    settle(synced.stack)
    assert synced.event_of(talk["id"]) is not None
    assert synced.crm.activity(call["id"])["subject"] == "Call Hank"


def test_a_changed_calendar_moves_the_synced_events(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    activity = synced.crm.create_activity(**meeting("Moves along"))
    synced.wait_event(activity["id"])
    primary = synced.google.email
    synced.crm.save_settings(synced.account_id, calendar_id=primary)
    synced.wait_event(activity["id"], calendar_id=primary)
    synced.wait_no_event(activity["id"], calendar_id=synced.calendar_id)
    # and the sync now follows the new calendar
    synced.google.insert(primary, timed_event("Made in the primary", 15, 16))
    synced.wait_subject("Made in the primary")


def test_stop_deletes_nothing_and_syncs_nothing_until_reconnected(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    out = synced.crm.create_activity(**meeting("Synced before the stop"))
    synced.wait_event(out["id"])
    synced.google.insert(synced.calendar_id, timed_event("Came in before the stop", 14, 15))
    came = synced.wait_subject("Came in before the stop")
    settle(synced.stack)

    stopped = synced.crm.stop(synced.account_id)
    assert stopped["status"] == "synced_previously"
    listed = synced.crm.accounts()
    assert [(a["id"], a["status"]) for a in listed] == [(synced.account_id, "synced_previously")]
    assert synced.event_of(out["id"]) is not None
    assert synced.crm.activity(came["id"])["subject"] == "Came in before the stop"

    jobs = jobs_created(synced.stack)
    edited = synced.crm.edit_activity(out["id"], subject="Edited while stopped")
    late = synced.crm.create_activity(**meeting("Made while stopped", 16, 17))
    synced.google.insert(synced.calendar_id, timed_event("Made in Google while stopped", 18, 19))
    assert jobs_created(synced.stack) == jobs, "no job for a stopped account"
    assert synced.event_of(late["id"]) is None
    assert synced.activity_where(lambda a: a["subject"] == "Made in Google while stopped") is None

    # Reconnect: the last settings, and it resumes where it stopped.
    settings = synced.crm.settings(synced.account_id)
    again = synced.crm.start(synced.account_id)
    assert again["status"] == "syncing"
    assert again["settings"] == settings
    synced.wait_event(late["id"])
    synced.wait_event(out["id"], lambda e: e["summary"] == edited["subject"])
    synced.wait_subject("Made in Google while stopped")


def test_a_change_pending_at_the_stop_is_dropped_from_the_outbox_and_pushed_on_reconnect(
    tenant: Tenant,
) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    with sync_held(synced.stack):  # the change's job waits until the account is stopped
        pending = synced.crm.create_activity(**meeting("Pending at the stop"))
        synced.crm.stop(synced.account_id)
    outbox = synced.stack.storage().session().outbox
    assert outbox.get(synced.account_id, pending["id"]) is not None
    # the fan-out drops it (the account no longer syncs) rather than reading it every tick
    wait_for("the entry dropped", lambda: outbox.get(synced.account_id, pending["id"]) is None, 60)
    assert synced.event_of(pending["id"]) is None
    synced.crm.start(synced.account_id)
    synced.wait_event(pending["id"])


def test_revoked_access_needs_reauthorization_then_reconnects_through_consent(
    tenant: Tenant,
) -> None:
    synced = start_sync(tenant)
    synced.google.revoke_access()
    synced.stack.google_admin("POST", f"users/{synced.google.email}/expire-tokens")
    synced.crm.create_activity(**meeting("After the revocation"))
    account = synced.wait_account(lambda a: a["status"] == "needs_reauth")
    assert account["error"]["code"] == "needs_reauth"
    assert "reconnect" in account["error"]["message"]

    refused = synced.crm.request("POST", f"/accounts/{synced.account_id}/start")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "needs_reauth"

    # Reconnect: consent again for the same account, then start.
    again = synced.crm.connect(synced.google.email, account_id=synced.account_id)
    assert again == synced.account_id
    account = synced.crm.account(synced.account_id)
    assert (account["status"], account["error"]) == ("ready_to_connect", None)
    synced.crm.start(synced.account_id)
    synced.google = GoogleUser(synced.stack.google_url, synced.google.email)  # signed in again
    activity = synced.activity_where(lambda a: a["subject"] == "After the revocation")
    assert activity is not None
    synced.wait_event(activity["id"])


def test_reauthorizing_with_another_google_account_is_refused(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    other = tenant.google("other")
    url = synced.crm.authorization_url(account_id=synced.account_id)
    assert f"login_hint={quote(synced.google.email)}" in url
    # At Google the person signs in with another account than the hint proposes.
    landed = synced.crm.follow(url.replace(quote(synced.google.email), quote(other.email)))
    assert landed == {"error": "wrong_account"}
    account = synced.crm.account(synced.account_id)
    assert (account["email"], account["status"]) == (synced.google.email, "syncing")


def test_remove_revokes_the_tokens_and_forgets_the_account(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    activity = synced.crm.create_activity(**meeting("Stays in the CRM"))
    synced.wait_event(activity["id"])
    settle(synced.stack)
    before = synced.stack.google_admin("GET", "stats")["statuses"].get("oauth.revoke", {})

    synced.crm.remove(synced.account_id)
    after = synced.stack.google_admin("GET", "stats")["statuses"].get("oauth.revoke", {})
    assert after.get("200", 0) == before.get("200", 0) + 1, "the tokens were revoked at Google"
    assert synced.crm.request("GET", f"/accounts/{synced.account_id}").status_code == 404
    assert synced.crm.accounts() == []
    assert synced.crm.activity(activity["id"])["subject"] == "Stays in the CRM"
    assert synced.event_of(activity["id"]) is not None, "nothing is deleted in Google"
    channels = synced.stack.google_admin("GET", "channels")["channels"]
    assert all(channel["email"] != synced.google.email for channel in channels)
