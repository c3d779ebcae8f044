"""Per-collection indexes on one top-level field (or ``__name__``), built the first time a
query needs one and kept current by every write to the collection.

- :class:`EqualityIndex`: value key -> ids of the documents holding it (``==`` and ``in``);
- :class:`SortedIndex`: ``(value key, name key, id)`` rows in value order, for ``order_by``,
  range filters and cursors on the field: a query walks only the span it can return.

Only documents holding the field are indexed (the others are never results of a query that
filters or orders on it). Keys are :func:`emulators.firestore.values.key`, so the order is
Firestore's cross-type order.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from typing import Any

from emulators.firestore import paths, values
from emulators.firestore.documents import Document
from emulators.firestore.values import Key

NAME_FIELD = "__name__"
Row = tuple[Key, paths.PathKey, str]  # (field key, document name key, document id)


def field_key(doc: Document | None, field: str, name_key: paths.PathKey) -> Key | None:
    """The key a document is indexed under for ``field``, None when it lacks the field."""
    if doc is None:
        return None
    if field == NAME_FIELD:
        return (values.REFERENCE_RANK, name_key)
    found = doc.fields.get(field)
    return None if found is None else values.key(found)


def _row_key(row: Row) -> Key:
    return row[0]


class EqualityIndex:
    """The ids of the documents holding each value of one field."""

    __slots__ = ("field", "ids")

    def __init__(self, field: str, documents: Iterable[tuple[str, paths.PathKey, Any]]) -> None:
        self.field = field
        self.ids: dict[Key, set[str]] = {}
        for doc_id, name_key, doc in documents:
            self.update(doc_id, name_key, None, doc)

    def update(self, doc_id: str, name_key: paths.PathKey, old: Any, new: Any) -> None:
        before = field_key(old, self.field, name_key)
        after = field_key(new, self.field, name_key)
        if before == after:
            return
        if before is not None:
            holders = self.ids[before]
            holders.discard(doc_id)
            if not holders:
                del self.ids[before]
        if after is not None:
            self.ids.setdefault(after, set()).add(doc_id)

    def lookup(self, keys: Iterable[Key]) -> set[str]:
        found: set[str] = set()
        for key in keys:
            found.update(self.ids.get(key, ()))
        return found

    def size(self, keys: Iterable[Key]) -> int:
        return sum(len(self.ids.get(key, ())) for key in keys)


class SortedIndex:
    """The documents holding one field, in the order of its values (then of their names)."""

    __slots__ = ("field", "rows")

    def __init__(self, field: str, documents: Iterable[tuple[str, paths.PathKey, Any]]) -> None:
        self.field = field
        rows = []
        for doc_id, name_key, doc in documents:
            key = field_key(doc, field, name_key)
            if key is not None:
                rows.append((key, name_key, doc_id))
        rows.sort()
        self.rows: list[Row] = rows

    def update(self, doc_id: str, name_key: paths.PathKey, old: Any, new: Any) -> None:
        before = field_key(old, self.field, name_key)
        after = field_key(new, self.field, name_key)
        if before == after:
            return
        if before is not None:
            at = bisect_left(self.rows, (before, name_key))
            if at < len(self.rows) and self.rows[at][1] == name_key:
                del self.rows[at]
        if after is not None:
            insort(self.rows, (after, name_key, doc_id))

    def span(self, low: Key | None, high: Key | None) -> tuple[int, int]:
        """The rows whose key is within ``[low, high]`` (None: unbounded), as a slice."""
        start = 0 if low is None else bisect_left(self.rows, low, key=_row_key)
        stop = len(self.rows) if high is None else bisect_right(self.rows, high, key=_row_key)
        return start, max(start, stop)
