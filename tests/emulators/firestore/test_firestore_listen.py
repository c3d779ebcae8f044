"""Listen is optional: without it, ``on_snapshot`` must fail with a clear UNIMPLEMENTED.

The client runs a listener on its own threads: a Listen stream the server refuses closes the
watch and raises the error in the client's ``Thread-OnRpcTerminated`` (where
``threading.excepthook`` sees it); no snapshot is ever delivered.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import firestore

from tests.fixtures.firestore import FirestoreEndpoint

WAIT = 30.0


def test_on_snapshot_fails_with_a_clear_unimplemented(
    firestore_emulator: FirestoreEndpoint,
    firestore_client: firestore.Client,
    monkeypatch: pytest.MonkeyPatch,
):
    raised: list[BaseException] = []
    settled = threading.Event()
    snapshots: list[Any] = []
    original = threading.excepthook

    def hook(args: Any) -> None:
        if args.exc_value is not None and args.thread is not threading.main_thread():
            raised.append(args.exc_value)
            settled.set()
        else:
            original(args)

    def on_snapshot(docs: Any, changes: Any, read_time: Any) -> None:
        snapshots.append(docs)
        settled.set()

    monkeypatch.setattr(threading, "excepthook", hook)
    ref = firestore_client.document("watched/a")
    ref.set({"n": 1})
    watch = ref.on_snapshot(on_snapshot)
    try:
        assert settled.wait(WAIT), "on_snapshot neither delivered a snapshot nor failed"
        still_active = watch.is_active
    finally:
        watch.unsubscribe()
    if snapshots and not firestore_emulator.ours:
        return  # another server that supports Listen: nothing to refuse
    assert not snapshots
    (error,) = raised
    assert isinstance(error, exceptions.MethodNotImplemented)
    assert "Listen (on_snapshot) is not supported" in error.message
    assert not still_active  # the client closed the watch itself
