"""`calsync demo`: start a local stack and play the behaviour guide's story over HTTP.

Every step acts as the CRM frontend, the browser or a person in Google Calendar would, and
checks what the guide promises; the exit status is 0 only if every check held.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from emulators.cloudtasks.client import tasks_client

from calsync.devstack import story_setup, story_sync
from calsync.devstack.client import CrmClient, GoogleUser
from calsync.devstack.scene import Scene
from calsync.devstack.stack import Stack, StackOptions
from calsync.devstack.timeline import Timeline

STEPS: list[tuple[str, Callable[[Scene], None]]] = [
    ("Connect a Google account through the consent redirect", story_setup.connect),
    ("Create the recommended separate calendar", story_setup.separate_calendar),
    ("Preview how a private event looks, for each option", story_setup.preview),
    ("Choose two-way sync and every option", story_setup.options),
    ("Start sync", story_setup.start),
    ("Create an activity in the CRM: it appears in Google", story_sync.crm_to_google),
    ("Edit it in the CRM: Google follows", story_sync.crm_edit),
    ("Create a normal and a private event in Google", story_sync.google_to_crm),
    ("Edit both sides at once: the merge", story_sync.merge),
    ("Stop sync", story_sync.stop),
    ("Reconnect: resume where it stopped", story_sync.reconnect),
    ("Resume an unfinished setup", story_sync.resume_unfinished),
]


def _facts(scene: Scene) -> list[str]:
    google = scene.google_stats()
    writes = sum(
        count
        for method, count in google.get("requests", {}).items()
        if method.startswith("events.")
        and method.split(".")[1] in ("insert", "patch", "update", "delete", "move")
    )
    return [
        f"sync jobs enqueued: {scene.jobs_created()}",
        f"Google Calendar API calls: {sum(google.get('requests', {}).values())} "
        f"({writes} event writes, by calsync and by the 'person' in Google)",
        f"push notifications sent by Google: {google.get('push', {}).get('sent', 0)}",
    ]


def play(options: StackOptions, *, pace: float = 0.0) -> int:
    """Start a stack with `options`, play every step (pausing `pace` seconds after each), print
    the summary; the exit status."""
    timeline = Timeline(total=len(STEPS))
    print("calsync demo: starting the local stack (Firestore, Cloud Tasks, Google, functions)")
    with Stack(options) as stack:
        info = stack.info
        assert stack.company is not None
        print(
            f"calsync demo: stack ready in {info['started_in_seconds']} s at "
            f"{info['functions_url']}; playing as {stack.company.main.email}"
        )
        scene = Scene(
            timeline=timeline,
            info=info,
            ann=CrmClient(info["functions_url"], info["token"]),
            bob=CrmClient(info["functions_url"], stack.token(stack.company.colleague)),
            google=GoogleUser(info["google_url"], stack.company.main.email),
            tasks=tasks_client(info["cloudtasks"]["grpc"]),
        )
        done = 0
        for title, step in STEPS:
            if not timeline.run(title, lambda step=step: step(scene)):  # type: ignore[misc]
                break
            done += 1
            time.sleep(pace)
        skipped = [title for title, _ in STEPS[done + 1 :]]
        passed = timeline.summary(skipped, _facts(scene))
    return 0 if passed else 1
