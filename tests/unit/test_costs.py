"""The costs the benchmarks will hold the engine to, checked at small sizes."""

from __future__ import annotations

import itertools
import math

from calsync.auth.keyring import LocalKeyring, generate_local_key
from calsync.auth.vault import CredentialVault
from calsync.domain import Credentials
from calsync.providers.memory import MemoryConnector
from calsync.sync.jobs import JobOutcome
from pydantic import SecretStr

from tests.unit.rig import Rig


def test_an_idle_incremental_sync_is_one_request_and_three_reads() -> None:
    rig = Rig()
    rig.crm_create()
    rig.cal_create()
    rig.run()
    rig.run()  # settles anything the first run left
    rig.storage.reset()
    requests = rig.service.requests
    assert rig.run().outcome is JobOutcome.DONE
    assert rig.service.requests - requests == 1
    assert rig.storage.reads <= 3
    assert rig.storage.transactions == 1  # take the lease
    assert rig.storage.writes == 2  # the lease; the result, conditionally, without a read


def test_recording_the_result_without_a_read_keeps_a_change_made_meanwhile() -> None:
    rig = Rig()
    rig.crm_create()
    rig.run()
    rig.cal_create()

    def change_during_the_job(page: object) -> None:  # as another process would
        current = rig.memory.session().accounts.get("acc")
        assert current is not None
        rig.memory.session().accounts.put(current.model_copy(update={"email": "renamed@x.com"}))

    rig.provider.on_page = change_during_the_job
    assert rig.run().outcome is JobOutcome.DONE
    account = rig.memory.session().accounts.get("acc")
    assert account is not None
    assert account.email == "renamed@x.com"  # the other change is kept
    assert account.sync.lease_holder is None
    assert account.sync.last_synced_at == rig.clock.now()


def test_a_warm_worker_opens_the_calendar_without_reading_the_credentials() -> None:
    rig = Rig()
    keyring = LocalKeyring.from_base64(generate_local_key())
    tokens = Credentials(access_token=SecretStr("ya29.a"), refresh_token=SecretStr("1//r"))

    def warm_vault() -> CredentialVault:
        vault = CredentialVault(rig.storage, keyring, MemoryConnector(rig.service))
        rig.job.open_provider = vault.open_provider
        return vault

    vault = warm_vault()
    rig.memory.transaction(lambda uow: vault.put(uow, "acc", tokens))
    rig.run()  # the first sync; its process now holds the tokens
    rig.storage.reset()
    assert rig.run().outcome is JobOutcome.DONE
    assert rig.storage.reads == 2  # the account when leasing, the outbox query
    warm_vault()  # another process: it reads the credentials once
    rig.storage.reset()
    assert rig.run().outcome is JobOutcome.DONE
    assert rig.storage.reads == 3


def test_an_import_lists_in_pages_and_writes_twice_per_event_in_batches() -> None:
    rig = Rig(page_size=250)
    rig.run()
    count = 1_200
    for hour in range(count):
        rig.cal_create(hours=1 + hour, summary=f"Event {hour}")
    rig.storage.reset()
    pages = rig.provider.pages
    assert rig.run().outcome is JobOutcome.DONE
    assert rig.provider.pages - pages == math.ceil(count / 250)
    assert len(rig.activities()) == count
    per_page = 3  # lease renewal and cursor on the account; the final record
    assert rig.storage.writes <= 2 * count + per_page * math.ceil(count / 250) + 2
    assert rig.storage.transactions <= math.ceil(count / 200) + math.ceil(count / 250) + 2


def test_an_export_writes_each_activity_once_in_batches_of_fifty() -> None:
    rig = Rig()
    rig.run()
    count = 120
    for hour in range(count):
        rig.crm_create(hours=1 + hour, subject=f"Activity {hour}")
    calls, writes = rig.provider.write_calls, rig.provider.writes
    assert rig.run().outcome is JobOutcome.DONE
    assert rig.provider.writes - writes == count
    assert rig.provider.write_calls - calls == math.ceil(count / 50)
    assert len(rig.events()) == count


def test_the_pull_commits_each_page_before_reading_the_next() -> None:
    rig = Rig(page_size=10)
    rig.run()
    for hour in range(35):
        rig.cal_create(hours=1 + hour)
    commits: list[int] = []
    rig.provider.on_page = lambda _: commits.append(rig.memory.commits)
    rig.run()
    # page k+1 is only asked for once page k is in storage: one commit between pages
    assert len(commits) == 4
    assert [b - a for a, b in itertools.pairwise(commits)] == [1, 1, 1]


def test_the_cursor_commits_with_the_last_page_that_carried_changes() -> None:
    rig = Rig(page_size=10)
    rig.run()
    for hour in range(15):
        rig.cal_create(hours=1 + hour)
    rig.provider.on_page = None
    before = rig.stored_account().sync.cursor
    seen: list[str | None] = []
    rig.provider.on_page = lambda page: seen.append(rig.stored_account().sync.cursor)
    rig.run()
    assert seen == [before, before]  # not moved while pages were still coming
    assert rig.stored_account().sync.cursor != before
