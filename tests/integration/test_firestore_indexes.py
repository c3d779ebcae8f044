"""Every query the Firestore adapter issues is served by the indexes in store/indexes.py.

The queries are caught where the adapter sends them (its access layer), run on the emulator
(which needs no indexes) and checked against the declarations with `indexes.missing`. The
table below must name every query method of the repository ports.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from calsync import ports
from calsync.store import firestore_access, indexes
from calsync.store.firestore import FirestoreStorage, FirestoreUnitOfWork
from calsync.store.indexes import IndexField, Order, QueryShape, Scope
from google.cloud import firestore

from tests.contract.samples import T0, entry

PREFIX = "ix_"
Call = Callable[[FirestoreUnitOfWork], Any]

QUERIES: dict[str, list[Call]] = {
    "accounts.for_user": [lambda u: u.accounts.for_user("c1", "u1")],
    "accounts.due": [lambda u: u.accounts.due(T0, limit=10)],
    "accounts.channels_expiring": [lambda u: u.accounts.channels_expiring(T0, limit=10)],
    "accounts.leases_expired": [lambda u: u.accounts.leases_expired(T0, limit=10)],
    "accounts.with_error": [
        lambda u: u.accounts.with_error("unconfirmed", limit=10),
        lambda u: u.accounts.with_error("unconfirmed", limit=10, after="acc1"),
    ],
    "activities.for_owner": [
        lambda u: list(u.activities.for_owner("c1", "u1")),
        lambda u: list(u.activities.for_owner("c1", "u1", ends_after=T0)),
        lambda u: list(u.activities.for_owner("c1", "u1", types=["call"])),
        lambda u: list(u.activities.for_owner("c1", "u1", ends_after=T0, types=["call"])),
    ],
    "activities.overlapping": [
        lambda u: list(u.activities.overlapping("c1", T0, T0 + timedelta(hours=1)))
    ],
    "links.all": [lambda u: list(u.links.all("acc1"))],
    "outbox.pending": [lambda u: u.outbox.pending("acc1", limit=10)],
    "outbox.forgotten": [
        lambda u: u.outbox.forgotten(T0, limit=10),
        lambda u: u.outbox.forgotten(T0, limit=10, after=entry("a1")),
    ],
    "conflicts.recent": [lambda u: u.conflicts.recent("acc1", limit=10)],
    "directory.user_by_email": [lambda u: u.directory.user_by_email("a@b.cd")],
    "directory.activity_types": [lambda u: u.directory.activity_types("c1")],
}


def _port_queries() -> set[str]:
    """Every repository method of the ports that returns a list or an iterator, and the one
    that finds a single document by a field rather than by its id."""
    found = {"directory.user_by_email"}
    for name, prop in inspect.getmembers(ports.UnitOfWork, lambda m: isinstance(m, property)):
        repository = getattr(ports, prop.fget.__annotations__["return"])
        for method, function in inspect.getmembers(repository, inspect.isfunction):
            returns = str(function.__annotations__.get("return", ""))
            if returns.startswith(("list[", "Iterator[")):
                found.add(f"{name}.{method}")
    return found


@pytest.fixture
def shapes(firestore_client: firestore.Client, monkeypatch: pytest.MonkeyPatch) -> list[QueryShape]:
    caught: list[QueryShape] = []
    for access in (firestore_access.Session, firestore_access.InTransaction):
        sent = access.page

        def page(self: Any, query: Any, sent: Any = sent) -> Any:
            caught.append(QueryShape.of(query._to_protobuf(), PREFIX))
            return sent(self, query)

        monkeypatch.setattr(access, "page", page)
    return caught


def test_the_table_names_every_query_of_the_ports() -> None:
    assert set(QUERIES) == _port_queries()


def test_every_query_the_adapter_issues_is_indexed(
    firestore_client: firestore.Client, shapes: list[QueryShape]
) -> None:
    storage = FirestoreStorage(firestore_client, prefix=PREFIX)
    for calls in QUERIES.values():
        for call in calls:
            call(storage.session())
            storage.transaction(call)
    assert len(shapes) == 2 * sum(len(calls) for calls in QUERIES.values())
    problems = {shape: indexes.missing(shape) for shape in shapes}
    assert {shape: lacking for shape, lacking in problems.items() if lacking} == {}
    # Every composite index serves some query that needs one (none left from older queries).
    for index in indexes.COMPOSITE_INDEXES:
        assert any(
            indexes.missing(shape, composites=())
            and not indexes.missing(shape, composites=(index,))
            for shape in shapes
        ), index


def _shape(
    group: str, eq: set[str], *orders: IndexField, scope: Scope = Scope.COLLECTION
) -> QueryShape:
    return QueryShape(group, scope, frozenset(eq), orders)


def test_missing_names_what_a_query_lacks() -> None:
    ends = IndexField("ends_at")
    assert indexes.missing(_shape("activities", {"owner_id"}, ends)) == []
    assert indexes.missing(_shape("activities", {"owner_id", "type"}, ends)) == []
    assert indexes.missing(_shape("activities", {"owner_id"})) == []  # merged single fields
    assert (
        indexes.missing(_shape("activities", set(), IndexField("ends_at", Order.DESCENDING))) == []
    )
    assert indexes.missing(_shape("activities", {"type"}, ends)) == [
        "composite index activities (collection): type, ends_at ascending"
    ]
    assert indexes.missing(
        _shape("activities", {"owner_id"}, IndexField("ends_at", Order.DESCENDING))
    )
    assert indexes.missing(
        _shape("links", set(), IndexField("x"), scope=Scope.COLLECTION_GROUP)
    ) == ["collection_group index on links.x ascending"]
    assert indexes.missing(_shape("activities", {"note"})) == [  # exempted from indexing
        "collection index on activities.note ascending"
    ]


def test_ttl_policies_and_the_firebase_format() -> None:
    described = indexes.firebase_json()
    ttl = {(o["collectionGroup"], o["fieldPath"]) for o in described["fieldOverrides"] if o["ttl"]}
    assert ttl == {
        ("oauth_states", "expires_at"),
        ("channels", "expires_at"),
        ("conflicts", "expires_at"),
    }
    assert len(described["indexes"]) == len(indexes.COMPOSITE_INDEXES)
    first = described["indexes"][0]
    assert first["queryScope"] == "COLLECTION"
    assert first["fields"][0] == {"fieldPath": "status", "order": "ASCENDING"}
