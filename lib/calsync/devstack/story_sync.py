"""The demo's second act: changes cross both ways, a merge, stop, reconnect, and resuming an
unfinished setup."""

from __future__ import annotations

from typing import Any

from calsync.devstack.client import GoogleUser, wait_for
from calsync.devstack.scene import SYNC_WAIT, ZONE, Scene


def _subject_is(subject: str) -> Any:
    return lambda item: item.get("summary", item.get("subject")) == subject


def crm_to_google(scene: Scene) -> None:
    t = scene.timeline
    activity = scene.ann.create_activity(
        type="meeting",
        subject="Renewal kick-off",
        start=scene.at(10),
        end=scene.at(11),
        timezone=ZONE,
        location="Globex HQ",
        deal_id="deal-renewal",
        person_id="person-hank",
        public_description="Agenda: renewal terms.",
        note="Hank wants 10% off (CRM only).",
        attendees=["hank@globex.example"],
    )
    scene.made["kickoff"] = activity["id"]
    t.show(f"CRM: created {activity['subject']!r} at {activity['start']} ({ZONE})")
    event = scene.wait_event(activity["id"], "the event in Google")
    t.show(f"Google: {event['summary']!r} {event['start']}")
    description = event.get("description", "")
    t.check(event["start"].get("timeZone") == ZONE, "times keep their zone")
    t.check("Agenda: renewal terms." in description, "the public description is in the event")
    t.check(
        "Globex renewal" in description and "Hank Scorpio" in description,
        "the deal and contact are in the event description",
    )
    t.check("10% off" not in description, "the CRM note stays in the CRM")
    t.check(
        [a["email"] for a in event.get("attendees", [])] == ["hank@globex.example"],
        "attendees are the event's guests",
    )


def crm_edit(scene: Scene) -> None:
    t, activity_id = scene.timeline, scene.made["kickoff"]
    scene.ann.edit_activity(
        activity_id,
        subject="Renewal kick-off (moved)",
        start=scene.at(14),
        end=scene.at(15),
        location="Video call",
    )
    t.show("CRM: renamed, moved to 14:00 and made a video call")
    event = scene.wait_event(
        activity_id, "the edit in Google", _subject_is("Renewal kick-off (moved)")
    )
    t.check(
        event["location"] == "Video call"
        and event["start"]["dateTime"].startswith(scene.at(14)[:16]),
        "Google shows the new title, time and place",
    )


def google_to_crm(scene: Scene) -> None:
    t = scene.timeline
    lunch = scene.google.insert(
        scene.calendar_id,
        {
            "summary": "Lunch with Peter",
            "start": {"dateTime": scene.at(12), "timeZone": ZONE},
            "end": {"dateTime": scene.at(13), "timeZone": ZONE},
            "location": "Diner",
        },
    )
    scene.google.insert(
        scene.calendar_id,
        {
            "summary": "Dentist",
            "visibility": "private",
            "start": {"dateTime": scene.at(8), "timeZone": ZONE},
            "end": {"dateTime": scene.at(9), "timeZone": ZONE},
        },
    )
    t.show("Google: created 'Lunch with Peter' and a private 'Dentist'")
    arrived = scene.wait_activity(
        "the normal event in the CRM", lambda a: a["subject"] == "Lunch with Peter"
    )
    t.check(
        arrived["origin"] == "calendar" and arrived["type"] == "meeting",
        "it arrived as a 'meeting' (the chosen type for calendar events)",
    )
    dentist = scene.wait_activity(
        "the private event in the CRM", lambda a: a["subject"] == "Dentist"
    )
    t.check(dentist["visibility"] == "only_me", "the private event is 'only me' in the CRM")
    bobs = {a["id"]: a for a in scene.crm(scene.bob)}
    t.show(f"Bob sees: {bobs[dentist['id']]['subject']!r} and {bobs[arrived['id']]['subject']!r}")
    t.check(
        bobs[dentist["id"]]["details_hidden"] and bobs[dentist["id"]]["busy"],
        "others see only that the time is busy",
    )
    t.check(
        bobs[arrived["id"]]["subject"] == "Lunch with Peter",
        "others see the normal event ('everyone' by default)",
    )
    scene.made["lunch"] = arrived["id"]
    scene.made["lunch_event"] = lunch["id"]


def _with_description(event: dict[str, Any]) -> dict[str, Any] | None:
    return event if event.get("description") else None


def merge(scene: Scene) -> None:
    t, activity_id, event_id = scene.timeline, scene.made["lunch"], scene.made["lunch_event"]
    queue = scene.sync_queue()
    scene.tasks.pause_queue(name=queue)  # hold the sync so both edits land before it runs
    try:
        scene.ann.edit_activity(
            activity_id,
            subject="Lunch with Peter (CRM)",
            public_description="Bring the Initech brochure.",
        )
        scene.google.patch(
            scene.calendar_id,
            event_id,
            {"summary": "Lunch with Peter (Google)", "location": "Harbour Diner"},
        )
        t.show("CRM: new title + description; then Google: new title + place (sync held)")
    finally:
        scene.tasks.resume_queue(name=queue)
    merged = scene.wait_activity(
        "the merge", lambda a: a["id"] == activity_id and a["location"] == "Harbour Diner"
    )
    event = wait_for(
        "the merge in Google",
        lambda: _with_description(scene.google.event(scene.calendar_id, event_id)),
        SYNC_WAIT,
    )
    t.check(
        merged["public_description"] == "Bring the Initech brochure."
        and "Bring the Initech brochure." in event.get("description", ""),
        "different fields: the CRM's description and Google's place are both kept",
    )
    t.check(
        merged["subject"] == event["summary"] == "Lunch with Peter (Google)",
        "same field: the later change (Google's title) wins on both sides",
    )
    decisions = scene.ann.conflicts(scene.account_id)
    for decision in decisions:
        t.show(
            f"merge decision: {decision['field']}: {decision['winner']} won ({decision['reason']})"
        )
    t.check(
        any(d["activity_id"] == activity_id and d["field"] == "subject" for d in decisions),
        "the decision is recorded and shown on the account",
    )


def stop(scene: Scene) -> None:
    t = scene.timeline
    before = len([e for e in scene.events() if e["status"] != "cancelled"])
    account = scene.ann.stop(scene.account_id)
    t.check(account["status"] == "synced_previously", "the account is 'synced previously'")
    t.check(
        len(scene.events()) == before and scene.crm_by_subject("Dentist") is not None,
        "nothing already synced was deleted on either side",
    )
    jobs = scene.jobs_created()
    late = scene.ann.create_activity(
        type="call", subject="Call Hank back", start=scene.at(16), end=scene.at(16.5), timezone=ZONE
    )
    scene.made["late"] = late["id"]
    scene.google.insert(
        scene.calendar_id,
        {
            "summary": "Gym",
            "start": {"dateTime": scene.at(18), "timeZone": ZONE},
            "end": {"dateTime": scene.at(19), "timeZone": ZONE},
        },
    )
    t.show("while stopped: CRM 'Call Hank back', Google 'Gym'")
    t.check(scene.jobs_created() == jobs, "no sync runs while stopped")


def reconnect(scene: Scene) -> None:
    t = scene.timeline
    before = scene.ann.settings(scene.account_id)
    account = scene.ann.start(scene.account_id)
    t.check(
        account["status"] == "syncing" and account["settings"] == before,
        "reconnect resumes with the last settings",
    )
    scene.wait_event(scene.made["late"], "the CRM change made while stopped")
    scene.wait_activity("the Google change made while stopped", lambda a: a["subject"] == "Gym")
    t.check(True, "both changes made while stopped crossed over: it resumed where it stopped")


def resume_unfinished(scene: Scene) -> None:
    t = scene.timeline
    home = GoogleUser(scene.info["google_url"], "demo.home@example.com")
    account_id = scene.ann.connect(home.email)
    scene.ann.save_settings(account_id, calendar_id=home.email, sync_type="one_way")
    t.show(f"connected {home.email}, picked its calendar and one-way, then left the page")
    listed = {a["id"]: a for a in scene.ann.accounts()}[account_id]
    t.check(
        listed["status"] == "ready_to_connect" and listed["settings"]["sync_type"] == "one_way",
        "it is listed as 'ready to connect', with what was chosen so far",
    )
    account = scene.ann.start(account_id)
    t.check(
        account["status"] == "syncing" and account["settings"]["calendar_id"] == home.email,
        "'start sync' next to it finishes the setup with those options",
    )
