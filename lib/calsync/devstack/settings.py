"""The `CALSYNC_*` settings of the local stack: production adapters pointed at the emulators.

Storage is Firestore (the emulator, through `FIRESTORE_EMULATOR_HOST`), the calendar is the
Google adapter (the simulator's URLs), jobs go through Cloud Tasks (the emulator) with OIDC
tokens the worker verifies against the emulator's keys, exactly as in the cloud. What differs
is speed: a short coalescing window and polling interval, so a change shows on the other side
within a second or so.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulators.google.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from calsync.config import Settings, load_settings
from calsync.devstack.cloud import SYNC_QUEUE, Cloud
from calsync.devstack.state import StateDir

PROJECT = "calsync-local"
TASKS_SERVICE_ACCOUNT = "calsync-tasks@calsync-local.iam.gserviceaccount.com"
DEV_PAGES = "/_dev"  # the stand-in frontend the OAuth callback redirects to


@dataclass(frozen=True)
class Tuning:
    """How fast the local stack reacts (see README: the benchmark measures this path)."""

    coalesce_seconds: float = 0.05  # job requests of one account within 50 ms make one job
    poll_interval_seconds: int = 30  # the safety net when push fails (the settings' minimum)
    tick_seconds: float = 5.0  # how often the scheduler stand-in calls the fan-out
    outbox_grace_seconds: int = 10  # outbox entries this old get a job from the fan-out
    google_requests_per_minute: int = 0  # unpaced: the simulator enforces no quota unless asked


def stack_settings(cloud: Cloud, functions_url: str, state: StateDir, tuning: Tuning) -> Settings:
    """Settings for the functions server of a stack on `cloud` serving at `functions_url`."""
    google = cloud.google_url
    return load_settings(
        environment="local",
        storage="firestore",
        calendar="google",
        queue="cloud_tasks",
        gcp_project=PROJECT,
        functions_url=functions_url,
        frontend_url=f"{functions_url}{DEV_PAGES}/calendar-sync",
        crm_base_url=f"{functions_url}{DEV_PAGES}/crm",
        oauth_client_id=DEFAULT_CLIENT_ID,
        oauth_client_secret=DEFAULT_CLIENT_SECRET,
        google_auth_url=f"{google}/o/oauth2/v2/auth",
        google_token_url=f"{google}/token",
        google_revoke_url=f"{google}/revoke",
        google_userinfo_url=f"{google}/v1/userinfo",
        google_certs_url=f"{google}/oauth2/v1/certs",
        google_discovery_url=f"{google}/discovery/v1/apis/calendar/v3/rest",
        bearer_signing_key=state.signing_key(),
        local_key=state.local_key(),
        task_auth=True,
        task_oidc_certs_url=f"http://{cloud.tasks_http}/oauth2/v1/certs",
        task_service_account=TASKS_SERVICE_ACCOUNT,
        tasks_queue=SYNC_QUEUE,
        tasks_endpoint=cloud.tasks_grpc,
        coalesce_seconds=tuning.coalesce_seconds,
        poll_interval_seconds=tuning.poll_interval_seconds,
        outbox_grace_seconds=tuning.outbox_grace_seconds,
        google_requests_per_minute=tuning.google_requests_per_minute,
    )
