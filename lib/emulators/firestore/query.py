"""Structured queries: sources, filters, the full ordering, cursors, offset, limit, select.

Stages run in the service's order: from, where, order_by (+ the implicit orders), cursors,
offset, limit, select. The implicit ordering appends every inequality field not already
ordered (in field path order) and then ``__name__``, in the direction of the last explicit
order; a document lacking any ordered field is not a result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from emulators.firestore import filters, paths, values
from emulators.firestore.documents import Document, field_segments, project
from emulators.firestore.errors import invalid, unimplemented
from emulators.firestore.filters import NAME, FilterInfo, Getter, Predicate
from emulators.firestore.locks import Scope
from emulators.firestore.store import Collection, Database
from emulators.firestore.values import Key

ASCENDING, DESCENDING = 1, 2
Cursor = tuple[list[Key], bool]


@dataclass
class Query:
    """A validated query, ready to run against a database at any read time."""

    parent: str
    collection_id: str
    descendants: bool
    predicate: Predicate | None
    getters: list[Getter]
    descending: list[bool]
    start: Cursor | None
    end: Cursor | None
    offset: int
    limit: int | None
    projection: list[tuple[str, ...]] | None
    hint: tuple[str, list[Key]] | None = None  # an equality on a top-level field

    @property
    def scope(self) -> Scope:
        """The lock a read-write transaction takes on what this query read."""
        if self.descendants:
            return ("g", self.collection_id, self.parent)
        return ("c", self.parent, self.collection_id)


def plan(sq: Any, parent: str, database: str) -> Query:
    """Validate a ``StructuredQuery`` pb the way the service does and prepare it."""
    if len(sq.from_) != 1:
        raise invalid("A query must select exactly one collection (from).")
    source = sq.from_[0]
    if not source.collection_id and not source.all_descendants:
        raise invalid("A query without a collection id must set all_descendants.")
    if source.collection_id:
        paths.check_collection_id(source.collection_id)
    if sq.HasField("find_nearest"):
        raise unimplemented("Vector search (find_nearest) is not supported by this emulator.")
    info = FilterInfo()
    predicate = None
    if sq.HasField("where"):
        predicate = filters.compile_filter(sq.where, database, info)
        filters.check_rules(sq.where, info)
    ordered, descending = _orders(sq, info)
    offset = sq.offset
    limit = sq.limit.value if sq.HasField("limit") else None
    if offset < 0 or (limit is not None and limit < 0):
        raise invalid("offset and limit must not be negative.")
    return Query(
        parent=parent,
        collection_id=source.collection_id,
        descendants=source.all_descendants,
        predicate=predicate,
        getters=[filters.getter(segments) for segments in ordered],
        descending=descending,
        start=_cursor(sq.start_at, ordered, database) if sq.HasField("start_at") else None,
        end=_cursor(sq.end_at, ordered, database) if sq.HasField("end_at") else None,
        offset=offset,
        limit=limit,
        projection=_projection(sq),
        hint=_index_hint(sq.where) if sq.HasField("where") else None,
    )


def _index_hint(where: Any) -> tuple[str, list[Key]] | None:
    """An ``==``/``in`` on a top-level field that every result must satisfy, if any."""
    kind = where.WhichOneof("filter_type")
    if kind == "field_filter":
        candidates = [where.field_filter]
    elif kind == "composite_filter" and where.composite_filter.op == filters.AND:
        candidates = [
            child.field_filter
            for child in where.composite_filter.filters
            if child.WhichOneof("filter_type") == "field_filter"
        ]
    else:
        return None
    for candidate in candidates:
        segments = field_segments(candidate.field.field_path)
        if len(segments) != 1 or segments == NAME:
            continue
        if candidate.op == filters.EQ:
            return segments[0], [values.key(candidate.value)]
        if candidate.op == filters.IN:
            return segments[0], [values.key(v) for v in candidate.value.array_value.values]
    return None


def _orders(sq: Any, info: FilterInfo) -> tuple[list[tuple[str, ...]], list[bool]]:
    ordered: list[tuple[str, ...]] = []
    descending: list[bool] = []
    for order in sq.order_by:
        segments = field_segments(order.field.field_path)
        if segments in ordered:
            raise invalid(f"order_by names {order.field.field_path!r} more than once.")
        if order.direction not in (0, ASCENDING, DESCENDING):
            raise invalid("Invalid order direction.")
        ordered.append(segments)
        descending.append(order.direction == DESCENDING)
    last = descending[-1] if descending else False
    for segments in sorted(set(info.inequality_fields) - set(ordered)):
        if segments != NAME:
            ordered.append(segments)
            descending.append(last)
    if NAME not in ordered:
        ordered.append(NAME)
        descending.append(last)
    return ordered, descending


def _cursor(pb: Any, ordered: Sequence[tuple[str, ...]], database: str) -> Cursor:
    if len(pb.values) > len(ordered):
        raise invalid("A cursor has more values than the query has orderings.")
    keys = []
    for value, segments in zip(pb.values, ordered, strict=False):
        if segments == NAME:
            keys.append(filters.name_key_of(value, database, "Cursor"))
        else:
            keys.append(values.key(values.check_query_value(value, "Cursor")))
    return keys, pb.before


def _projection(sq: Any) -> list[tuple[str, ...]] | None:
    if not sq.HasField("select") or not sq.select.fields:
        return None
    return [field_segments(reference.field_path) for reference in sq.select.fields]


def _position(keys: tuple[Key, ...], cursor: list[Key], descending: list[bool]) -> int:
    """-1, 0 or 1: where a document stands relative to a cursor (over the cursor's prefix)."""
    for index, bound in enumerate(cursor):
        mine = keys[index]
        if mine != bound:
            sign = -1 if mine < bound else 1
            return -sign if descending[index] else sign
    return 0


def _within(q: Query, keys: tuple[Key, ...]) -> bool:
    if q.start is not None:
        position = _position(keys, q.start[0], q.descending)
        if position < 0 or (position == 0 and not q.start[1]):
            return False
    if q.end is not None:
        position = _position(keys, q.end[0], q.descending)
        if position > 0 or (position == 0 and q.end[1]):
            return False
    return True


def matches(db: Database, q: Query, when: int | None) -> list[Document]:
    """Every matching document in query order, before offset and limit."""
    rows: list[tuple[tuple[Key, ...], Document]] = []
    predicate, getters = q.predicate, q.getters
    bounded = q.start is not None or q.end is not None
    for collection in db.sources(q.parent, q.collection_id, q.descendants):
        for entry, doc in _candidates(collection, q, when):
            name = entry.name_key
            if predicate is not None and not predicate(doc, name):
                continue
            found = [get(doc, name) for get in getters]
            if None in found:
                continue
            keys = cast(tuple[Key, ...], tuple(found))
            if bounded and not _within(q, keys):
                continue
            rows.append((keys, doc))
    for index in reversed(range(len(getters))):
        rows.sort(key=lambda row: row[0][index], reverse=q.descending[index])
    return [doc for _, doc in rows]


def _candidates(collection: Collection, q: Query, when: int | None) -> Iterable[Any]:
    """The documents worth testing: an index lookup when the query allows one, else all."""
    if q.hint is None or when is not None:
        return collection.live(when)
    field, keys = q.hint
    index = collection.index(field)
    ids: set[str] = set()
    for key in keys:
        ids.update(index.get(key, ()))
    entries = collection.entries
    return [(entries[doc_id], entries[doc_id].doc) for doc_id in ids]


def run(db: Database, q: Query, when: int | None) -> tuple[list[Document], int]:
    """The query's results (projected) and how many documents the offset skipped."""
    found = matches(db, q, when)
    skipped = min(q.offset, len(found))
    found = found[q.offset :]
    if q.limit is not None:
        found = found[: q.limit]
    if q.projection is not None:
        found = [project(doc, q.projection) for doc in found]
    return found, skipped
