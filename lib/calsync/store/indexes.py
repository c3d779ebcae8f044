"""The Firestore indexes and TTL policies the storage adapter needs, as data.

Firestore serves some queries from the single-field indexes it builds by itself (every field,
ascending and descending, collection scope): equality filters on any number of fields (it
merges those indexes), or one ordered range on one field. Everything else must be declared:

- `COMPOSITE_INDEXES`: equality filters plus an ordered range on another field, or several
  ordered fields;
- `FIELD_OVERRIDES`: the single-field indexes of one field replaced by the ones listed (a
  collection-group index for a collection-group query; none at all for a large field no query
  uses, which makes its writes cheaper), and TTL policies (`ttl=True`).

infra/ turns these into `google_firestore_index` / `google_firestore_field` resources (a test
compares both); `python -m calsync.store.indexes` prints them in the `firestore.indexes.json`
format of the Firebase CLI. `QueryShape` and `missing` check a query against these lists: the
adapter's tests run every query it issues through them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from google.cloud.firestore_v1.types import StructuredQuery


class Order(StrEnum):
    ASCENDING = "ASCENDING"
    DESCENDING = "DESCENDING"


class Scope(StrEnum):
    COLLECTION = "COLLECTION"  # the collections with that id under one parent document
    COLLECTION_GROUP = "COLLECTION_GROUP"  # every collection with that id, database-wide


@dataclass(frozen=True)
class IndexField:
    path: str
    order: Order = Order.ASCENDING


@dataclass(frozen=True)
class CompositeIndex:
    collection_group: str
    fields: tuple[IndexField, ...]
    scope: Scope = Scope.COLLECTION


@dataclass(frozen=True)
class SingleField:
    order: Order
    scope: Scope


@dataclass(frozen=True)
class FieldOverride:
    """Replaces the automatic single-field indexes of `collection_group.field` by `indexes`."""

    collection_group: str
    field: str
    indexes: tuple[SingleField, ...]
    ttl: bool = False  # Firestore deletes a document some time after this timestamp passed
    reason: str = ""


def _composite(group: str, *fields: str) -> CompositeIndex:
    return CompositeIndex(group, tuple(IndexField(path) for path in fields))


_ASC = SingleField(Order.ASCENDING, Scope.COLLECTION)
_GROUP_ASC = SingleField(Order.ASCENDING, Scope.COLLECTION_GROUP)

COMPOSITE_INDEXES: tuple[CompositeIndex, ...] = (
    _composite("accounts", "status", "next_check_at"),  # AccountRepository.due
    _composite("accounts", "status", "channel_expires_at"),  # .channels_expiring
    _composite("activities", "owner_id", "ends_at"),  # ActivityRepository.for_owner
    _composite("activities", "owner_id", "type", "ends_at"),  # .for_owner with types
    _composite("activities", "ends_at", "starts_at"),  # .overlapping
)

FIELD_OVERRIDES: tuple[FieldOverride, ...] = (
    FieldOverride(
        "outbox", "enqueued_at", (_ASC, _GROUP_ASC), reason="pending; forgotten (all accounts)"
    ),
    FieldOverride("users", "email_key", (_ASC, _GROUP_ASC), reason="user_by_email"),
    FieldOverride("oauth_states", "expires_at", (), ttl=True, reason="single-use, short-lived"),
    FieldOverride("channels", "expires_at", (), ttl=True, reason="useless once expired"),
    FieldOverride("conflicts", "expires_at", (), ttl=True, reason="merge records, 90 days"),
    FieldOverride("activities", "note", (), reason="up to 8 KB, never queried"),
    FieldOverride("activities", "public_description", (), reason="up to 8 KB, never queried"),
    FieldOverride("links", "base", (), reason="a snapshot map, never queried"),
)


@dataclass(frozen=True)
class QueryShape:
    """What of a query decides its index: the collection, the scope, the equality fields,
    and the ordered fields (explicit orders, then range fields not ordered; without the
    implicit `__name__`)."""

    collection_group: str
    scope: Scope
    equalities: frozenset[str]
    orders: tuple[IndexField, ...]

    @classmethod
    def of(cls, query: StructuredQuery, prefix: str = "") -> QueryShape:
        """The shape of a query as sent (`prefix`: the storage's collection-id prefix)."""
        source = query.from_[0]
        group = source.collection_id.removeprefix(prefix)
        scope = Scope.COLLECTION_GROUP if source.all_descendants else Scope.COLLECTION
        equal, ranged = _filter_fields(query.where)
        orders = [
            IndexField(order.field.field_path, Order(order.direction.name))
            for order in query.order_by
            if order.field.field_path != "__name__"
        ]
        ordered = {field.path for field in orders}
        orders += [IndexField(path) for path in ranged if path not in ordered]
        return cls(group, scope, frozenset(equal), tuple(orders))


_EQUALITY = {"EQUAL", "IN", "ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"}


def _filter_fields(where: StructuredQuery.Filter) -> tuple[list[str], list[str]]:
    """(equality fields, range fields) of a filter (AND of field filters, or one)."""
    filters = list(where.composite_filter.filters) or [where]
    equal: list[str] = []
    ranged: list[str] = []
    for item in filters:
        if "field_filter" not in item:
            continue
        field = item.field_filter.field.field_path
        (equal if item.field_filter.op.name in _EQUALITY else ranged).append(field)
    return equal, ranged


def missing(
    shape: QueryShape,
    composites: tuple[CompositeIndex, ...] = COMPOSITE_INDEXES,
    overrides: tuple[FieldOverride, ...] = FIELD_OVERRIDES,
) -> list[str]:
    """What the declarations lack to serve `shape` (empty when it is covered)."""
    if (shape.equalities and shape.orders) or len(shape.orders) > 1:
        found = any(_serves(index, shape) for index in composites)
        return [] if found else [f"composite index {_describe(shape)}"]
    if shape.orders:
        wanted = [(shape.orders[0].path, SingleField(shape.orders[0].order, shape.scope))]
    else:
        wanted = [(path, SingleField(Order.ASCENDING, shape.scope)) for path in shape.equalities]
    return [
        f"{single.scope.value.lower()} index on {shape.collection_group}.{path} "
        f"{single.order.value.lower()}"
        for path, single in sorted(wanted, key=lambda item: item[0])
        if not _single_field(shape.collection_group, path, single, overrides)
    ]


def _serves(index: CompositeIndex, shape: QueryShape) -> bool:
    """Equality fields first (in any order), then the ordered fields exactly."""
    if (index.collection_group, index.scope) != (shape.collection_group, shape.scope):
        return False
    head = len(shape.equalities)
    if len(index.fields) != head + len(shape.orders):
        return False
    return {f.path for f in index.fields[:head]} == shape.equalities and index.fields[
        head:
    ] == tuple(shape.orders)


def _single_field(
    group: str, path: str, wanted: SingleField, overrides: tuple[FieldOverride, ...]
) -> bool:
    for override in overrides:
        if (override.collection_group, override.field) == (group, path):
            return wanted in override.indexes
    return wanted.scope is Scope.COLLECTION  # the automatic ones, both directions


def _describe(shape: QueryShape) -> str:
    fields = [
        *sorted(shape.equalities),
        *(f"{f.path} {f.order.value.lower()}" for f in shape.orders),
    ]
    return f"{shape.collection_group} ({shape.scope.value.lower()}): {', '.join(fields)}"


def firebase_json() -> dict[str, Any]:
    """The declarations in the Firebase CLI's `firestore.indexes.json` format."""
    indexes = [
        {
            "collectionGroup": index.collection_group,
            "queryScope": index.scope.value,
            "fields": [{"fieldPath": f.path, "order": f.order.value} for f in index.fields],
        }
        for index in COMPOSITE_INDEXES
    ]
    overrides = [
        {
            "collectionGroup": override.collection_group,
            "fieldPath": override.field,
            "ttl": override.ttl,
            "indexes": [
                {"order": i.order.value, "queryScope": i.scope.value} for i in override.indexes
            ],
        }
        for override in FIELD_OVERRIDES
    ]
    return {"indexes": indexes, "fieldOverrides": overrides}


if __name__ == "__main__":
    print(json.dumps(firebase_json(), indent=2))
