"""Running a planned query: its candidates, then order, cursors, offset, limit and select.

A query's cost follows what it can return, not the size of its collections:

- ordered walk: when the first ordering is on a top-level field (or ``__name__``) and the
  query has a limit, or a range/equality filter or a cursor on that field, it walks that
  field's :class:`~emulators.firestore.indexes.SortedIndex` from the bound on, a run of equal
  values at a time, and stops once offset + limit results are found;
- equality lookup: an ``==``/``in`` on a top-level field tests only the documents holding
  those values (chosen over the walk when it is expected to test fewer documents);
- otherwise, and for reads at a past time, every document of the queried collections.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any, cast

from emulators.firestore import paths
from emulators.firestore.documents import Document, project
from emulators.firestore.query import Query, within
from emulators.firestore.store import Collection, Database
from emulators.firestore.values import Key

Row = tuple[tuple[Key, ...], Document]
Indexed = tuple[Key, paths.PathKey, str, Collection]
_NOTHING = object()


def run(db: Database, q: Query, when: int | None) -> tuple[list[Document], int]:
    """The query's results (projected) and how many documents the offset skipped."""
    need = None if q.limit is None else q.offset + q.limit
    found = matches(db, q, when, need)
    skipped = min(q.offset, len(found))
    found = found[q.offset :]
    if q.limit is not None:
        found = found[: q.limit]
    if q.projection is not None:
        found = [project(doc, q.projection) for doc in found]
    return found, skipped


def matches(db: Database, q: Query, when: int | None, need: int | None = None) -> list[Document]:
    """Matching documents in query order, before offset and limit: all of them, or at least
    the first ``need`` (when there are that many)."""
    sources = db.sources(q.parent, q.collection_id, q.descendants)
    if when is None:
        walked = _ordered_walk(q, sources, need)
        if walked is not None:
            return walked
    rows = []
    for collection in sources:
        for name_key, doc in _candidates(collection, q, when):
            row = _row(q, doc, name_key)
            if row is not None:
                rows.append(row)
    _sort(q, rows, 0)
    return [doc for _, doc in rows]


def _row(q: Query, doc: Document, name_key: paths.PathKey) -> Row | None:
    """The document's ordering keys if it is a result (filters, ordered fields, cursors)."""
    if q.predicate is not None and not q.predicate(doc, name_key):
        return None
    found = [get(doc, name_key) for get in q.getters]
    if None in found:
        return None
    keys = cast(tuple[Key, ...], tuple(found))
    if (q.start is not None or q.end is not None) and not within(q, keys):
        return None
    return keys, doc


def _sort(q: Query, rows: list[Row], first: int) -> None:
    """Sort by the orderings from ``first`` on (one stable pass per ordering)."""
    for index in reversed(range(first, len(q.getters))):
        rows.sort(key=lambda row: row[0][index], reverse=q.descending[index])


def _candidates(
    collection: Collection, q: Query, when: int | None
) -> Iterable[tuple[paths.PathKey, Document]]:
    if q.hint is None or when is not None:
        return ((entry.name_key, doc) for entry, doc in collection.live(when))
    field, keys = q.hint
    entries = collection.entries
    ids = collection.index(field).lookup(keys)
    return [(entries[doc_id].name_key, entries[doc_id].doc) for doc_id in ids]


def _ordered_walk(q: Query, sources: list[Collection], need: int | None) -> list[Document] | None:
    """The results by walking the first ordering's sorted index, if that is the better plan."""
    if q.first is None or (need is None and q.low is None and q.high is None):
        return None
    spans = []
    for collection in sources:
        index = collection.sorted_index(q.first)
        spans.append((collection, index.rows, *index.span(q.low, q.high)))
    if q.hint is not None and _lookup_is_cheaper(q, sources, spans, need):
        return None
    descending = q.descending[0]
    streams = [_stream(c, rows, start, stop, descending) for c, rows, start, stop in spans]
    merged: Iterator[Indexed] = (
        streams[0]
        if len(streams) == 1
        else heapq.merge(*streams, key=lambda item: (item[0], item[1]), reverse=descending)
    )
    out: list[Row] = []
    same: list[Row] = []  # results sharing one value of the first ordering
    current: Any = _NOTHING
    for key, name_key, doc_id, collection in merged:
        if key != current:
            _flush(q, same, out)
            if need is not None and len(out) >= need:
                break
            current = key
        row = _row(q, collection.entries[doc_id].doc, name_key)
        if row is not None:
            same.append(row)
    _flush(q, same, out)
    return [doc for _, doc in out]


def _lookup_is_cheaper(
    q: Query, sources: list[Collection], spans: list[Any], need: int | None
) -> bool:
    """Compare the documents each plan expects to test: all those the equality names, or
    the part of the walk that holds ``need`` of them (all of the span without a limit)."""
    assert q.hint is not None
    field, keys = q.hint
    looked_up = sum(c.index(field).size(keys) for c in sources)
    spanned: int = sum(stop - start for _, _, start, stop in spans)
    walked = spanned if need is None else min(spanned, need * spanned / max(looked_up, 1))
    return looked_up <= walked


def _stream(
    collection: Collection, rows: list[Any], start: int, stop: int, descending: bool
) -> Iterator[Indexed]:
    positions = range(stop - 1, start - 1, -1) if descending else range(start, stop)
    for position in positions:
        key, name_key, doc_id = rows[position]
        yield key, name_key, doc_id, collection


def _flush(q: Query, same: list[Row], out: list[Row]) -> None:
    if same:
        _sort(q, same, 1)
        out.extend(same)
        same.clear()
