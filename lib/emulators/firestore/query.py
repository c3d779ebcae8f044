"""Structured queries: sources, filters, the full ordering, cursors, offset, limit, select.

Stages run in the service's order: from, where, order_by (+ the implicit orders), cursors,
offset, limit, select. The implicit ordering appends every inequality field not already
ordered (in field path order) and then ``__name__``, in the direction of the last explicit
order; a document lacking any ordered field is not a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emulators.firestore import filters, paths, values
from emulators.firestore.documents import field_segments
from emulators.firestore.errors import invalid, unimplemented
from emulators.firestore.filters import NAME, FilterInfo, Getter, Predicate
from emulators.firestore.locks import Scope
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
    first: str | None = None  # the first ordering, if a top-level field or __name__
    low: Key | None = None  # bounds every result's first ordering key lies within
    high: Key | None = None

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
    start = _cursor(sq.start_at, ordered, database) if sq.HasField("start_at") else None
    end = _cursor(sq.end_at, ordered, database) if sq.HasField("end_at") else None
    offset = sq.offset
    limit = sq.limit.value if sq.HasField("limit") else None
    if offset < 0 or (limit is not None and limit < 0):
        raise invalid("offset and limit must not be negative.")
    where = sq.where if sq.HasField("where") else None
    bounds = _bounds(where, ordered, database)
    low, high = _span(bounds, start, end, descending[0])
    return Query(
        parent=parent,
        collection_id=source.collection_id,
        descendants=source.all_descendants,
        predicate=predicate,
        getters=[filters.getter(segments) for segments in ordered],
        descending=descending,
        start=start,
        end=end,
        offset=offset,
        limit=limit,
        projection=_projection(sq),
        hint=_index_hint(where) if where is not None else None,
        first=NAME[0] if ordered[0] == NAME else ordered[0][0] if len(ordered[0]) == 1 else None,
        low=low,
        high=high,
    )


def _conjuncts(where: Any) -> list[Any]:
    """The field filters every result must satisfy (the top level of an AND)."""
    kind = where.WhichOneof("filter_type")
    if kind == "field_filter":
        return [where.field_filter]
    if kind == "composite_filter" and where.composite_filter.op == filters.AND:
        return [
            child.field_filter
            for child in where.composite_filter.filters
            if child.WhichOneof("filter_type") == "field_filter"
        ]
    return []


def _bounds(
    where: Any | None, ordered: list[tuple[str, ...]], database: str
) -> tuple[list[Key], list[Key]]:
    """Keys that every result's value of the first ordering lies within, from the filters
    (inclusive and loose: the filters themselves still decide)."""
    lows: list[Key] = []
    highs: list[Key] = []
    for leaf in _conjuncts(where) if where is not None else []:
        if field_segments(leaf.field.field_path) != ordered[0]:
            continue
        if leaf.op in (filters.EQ, filters.IN):
            operands = leaf.value.array_value.values if leaf.op == filters.IN else [leaf.value]
            keys = [_key(v, ordered[0], database) for v in operands]
            lows.append(min(keys))
            highs.append(max(keys))
        elif leaf.op in (filters.LT, filters.LTE):  # ranges compare values of one type only
            bound = _key(leaf.value, ordered[0], database)
            lows.append((bound[0],))
            highs.append(bound)
        elif leaf.op in (filters.GT, filters.GTE):
            bound = _key(leaf.value, ordered[0], database)
            lows.append(bound)
            highs.append((bound[0] + 1,))
    return lows, highs


def _key(value: Any, segments: tuple[str, ...], database: str) -> Key:
    if segments == NAME:
        return filters.name_key_of(value, database, "Filter")
    return values.key(value)


def _span(
    bounds: tuple[list[Key], list[Key]], start: Cursor | None, end: Cursor | None, desc: bool
) -> tuple[Key | None, Key | None]:
    """Add the cursors' first values to the filters' bounds; the tightest of each side."""
    lows, highs = bounds
    for cursor, is_start in ((start, True), (end, False)):
        if cursor is not None and cursor[0]:
            (lows if is_start != desc else highs).append(cursor[0][0])
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _index_hint(where: Any) -> tuple[str, list[Key]] | None:
    """An ``==``/``in`` on a top-level field that every result must satisfy, if any."""
    for candidate in _conjuncts(where):
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


def within(q: Query, keys: tuple[Key, ...]) -> bool:
    if q.start is not None:
        position = _position(keys, q.start[0], q.descending)
        if position < 0 or (position == 0 and not q.start[1]):
            return False
    if q.end is not None:
        position = _position(keys, q.end[0], q.descending)
        if position > 0 or (position == 0 and q.end[1]):
            return False
    return True
