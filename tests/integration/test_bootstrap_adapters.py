"""Bootstrap builds the production adapters from settings alone (here against the emulators)."""

from __future__ import annotations

import json

from calsync.bootstrap import adapters_for
from calsync.config import load_settings
from calsync.domain import Account
from emulators.cloudtasks.receiver import Receiver
from google.auth.transport.requests import Request
from google.cloud import firestore
from google.oauth2 import id_token

from tests.contract.google_driver import consent
from tests.fixtures.cloudtasks import CloudTasksEmulator
from tests.fixtures.firestore import PROJECT
from tests.fixtures.google import GoogleSim


def test_firestore_and_cloud_tasks_are_built_from_settings(
    firestore_client: firestore.Client, cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue("sync")
    settings = load_settings(
        storage="firestore",
        queue="cloud_tasks",
        gcp_project=PROJECT,
        oauth_client_secret="not-a-placeholder-secret",
        tasks_endpoint=cloudtasks.address,
        tasks_queue=queue.name,
        worker_url=f"{task_receiver.url}/worker",
        # fanout's settings: it accepts the scheduler's calls, its jobs call as the tasks account
        task_service_account="scheduler@calsync-test.iam.gserviceaccount.com",
        task_oidc_service_account="tasks@calsync-test.iam.gserviceaccount.com",
    )
    adapters = adapters_for(settings)

    account = Account(id="acc1", company_id="c1", user_id="u1", email="ann@example.com")
    adapters.storage.session().accounts.put(account)
    assert firestore_client.collection("accounts").document("acc1").get().exists
    assert adapters.storage.session().accounts.get("acc1") == account

    assert adapters.queue.enqueue_sync("acc1", key="sync-acc1-1") is True
    assert adapters.queue.enqueue_sync("acc1", key="sync-acc1-1") is False
    task_receiver.wait_for(1, timeout=10)
    [request] = task_receiver.requests()
    assert json.loads(request.body) == {"account_id": "acc1", "pull": True}
    token = (request.header("Authorization") or "").removeprefix("Bearer ")
    claims = id_token.verify_token(
        token, Request(), audience=settings.worker_url, certs_url=cloudtasks.admin.certs_url
    )
    assert claims["email"] == "tasks@calsync-test.iam.gserviceaccount.com"


def test_the_google_calendar_and_oauth_client_are_built_from_settings(google: GoogleSim) -> None:
    settings = load_settings(
        calendar="google",
        oauth_client_id=google.client_id,
        oauth_client_secret=google.client_secret,
        oauth_redirect_url=google.redirect_uri,
        google_auth_url=google.auth_uri,
        google_token_url=google.token_uri,
        google_revoke_url=google.revoke_uri,
        google_userinfo_url=f"{google.url}/v1/userinfo",
        google_certs_url=google.certs_url,
        google_discovery_url=google.discovery_url.format(api="calendar", apiVersion="v3"),
    )
    adapters = adapters_for(settings)

    grant = consent(adapters.oauth, "ann@example.com")
    assert grant.email == "ann@example.com"
    account = Account(id="acc1", company_id="c1", user_id="u1", email=grant.email)
    provider = adapters.connector.open(account, grant.credentials, lambda _: None)
    assert [c.id for c in provider.calendars() if c.primary] == ["ann@example.com"]
