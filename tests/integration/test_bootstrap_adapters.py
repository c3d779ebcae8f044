"""Bootstrap builds the production adapters from settings alone (here against the emulators)."""

from __future__ import annotations

import json

from calsync.bootstrap import adapters_for
from calsync.config import load_settings
from calsync.domain import Account
from emulators.cloudtasks.receiver import Receiver
from google.cloud import firestore

from tests.fixtures.cloudtasks import CloudTasksEmulator
from tests.fixtures.firestore import PROJECT


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
        task_service_account="tasks@calsync-test.iam.gserviceaccount.com",
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
    assert json.loads(request.body) == {"account_id": "acc1"}
    assert (request.header("Authorization") or "").startswith("Bearer ")
