"""The async client: documents, queries, transactions and aggregations."""

from __future__ import annotations

import asyncio

import pytest
from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter


def test_async_documents_and_queries(firestore_async_client: firestore.AsyncClient):
    db = firestore_async_client

    async def scenario() -> None:
        await db.document("users/a").set({"n": 1, "team": "x"})
        await db.document("users/b").create({"n": 2, "team": "x"})
        with pytest.raises(exceptions.AlreadyExists):
            await db.document("users/b").create({"n": 3})
        await db.document("users/a").update({"n": firestore.Increment(10)})
        snapshot = await db.document("users/a").get()
        assert snapshot.to_dict() == {"n": 11, "team": "x"}
        query = db.collection("users").where(filter=FieldFilter("team", "==", "x")).order_by("n")
        assert [s.id async for s in query.stream()] == ["b", "a"]
        (row,) = await db.collection("users").sum("n", alias="total").get()
        assert row[0].value == 13

    asyncio.run(scenario())


def test_async_transactions_increment_exactly(firestore_async_client: firestore.AsyncClient):
    db = firestore_async_client
    ref = db.document("counters/c")

    @firestore.async_transactional
    async def increment(transaction: firestore.AsyncTransaction) -> None:
        snapshot = await ref.get(transaction=transaction)
        transaction.update(ref, {"n": snapshot.get("n") + 1})

    async def scenario() -> int:
        await ref.set({"n": 0})
        # All ten read the counter (shared locks) before any commits: each round of
        # contention commits one of them (the oldest), so the last needs up to ten attempts.
        attempts = [increment(db.transaction(max_attempts=10)) for _ in range(10)]
        await asyncio.gather(*attempts)
        return (await ref.get()).get("n")

    assert asyncio.run(scenario()) == 10


def test_async_batches_and_get_all(firestore_async_client: firestore.AsyncClient):
    db = firestore_async_client

    async def scenario() -> dict[str, bool]:
        batch = db.batch()
        batch.set(db.document("users/a"), {"n": 1})
        batch.delete(db.document("users/b"))
        await batch.commit()
        refs = [db.document("users/a"), db.document("users/b")]
        return {s.id: s.exists async for s in db.get_all(refs)}

    assert asyncio.run(scenario()) == {"a": True, "b": False}
