"""Writes: validation, preconditions, and commits that apply all their writes or none.

A commit first waits until no other transaction holds a lock on what it writes, then stages
every write in order (several writes to one document see each other), and installs the
result only if all of them succeeded, at one commit time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.cloud.firestore_v1.types import write

from emulators.firestore import documents, paths, values
from emulators.firestore.documents import Document, DocumentPb
from emulators.firestore.errors import already_exists, failed_precondition, invalid, not_found
from emulators.firestore.locks import Alive, Transaction
from emulators.firestore.store import Database

WriteResultPb = write.WriteResult.pb()
MAX_DOCUMENT_BYTES = 1_048_576 - 4


@dataclass(slots=True)
class Planned:
    """A validated write, ready to apply to whatever the document holds at commit time."""

    rel: str
    name: str
    write: Any
    op: str  # update | delete | transform
    mask: list[tuple[str, ...]] | None
    transforms: list[tuple[tuple[str, ...], Any]]


@dataclass(slots=True)
class Outcome:
    """What a commit did: its time, one result per write, and what to bill."""

    commit_us: int
    results: list[Any]
    writes: int
    deletes: int


def plan(w: Any, database: str) -> Planned:
    op = w.WhichOneof("operation")
    mask: list[tuple[str, ...]] | None = None
    if op == "update":
        name, transforms = w.update.name, w.update_transforms
        values.check_fields(w.update.fields, database)
        if w.HasField("update_mask"):
            mask = [documents.written_segments(path) for path in w.update_mask.field_paths]
    elif op == "delete":
        name, transforms = w.delete, []
        if w.HasField("update_mask") or w.update_transforms:
            raise invalid("A delete cannot carry an update mask or transforms.")
    elif op == "transform":
        name, transforms = w.transform.document, w.transform.field_transforms
        if w.HasField("update_mask") or w.update_transforms:
            raise invalid("A transform write cannot carry an update mask or update transforms.")
    else:
        raise invalid("A write must be an update, a delete or a transform.")
    rel = paths.document_path(name, database)
    return Planned(rel, name, w, op, mask, _transforms(transforms, database))


def _transforms(transforms: Sequence[Any], database: str) -> list[tuple[tuple[str, ...], Any]]:
    planned: list[tuple[tuple[str, ...], Any]] = []
    for transform in transforms:
        segments = documents.written_segments(transform.field_path)
        if any(segments == other for other, _ in planned):
            raise invalid(f"Field {transform.field_path!r} is transformed more than once.")
        documents.check_transform(transform, database)
        planned.append((segments, transform))
    return planned


def check_precondition(p: Planned, current: Document | None) -> None:
    if not p.write.HasField("current_document"):
        return
    condition = p.write.current_document
    which = condition.WhichOneof("condition_type")
    if which == "exists":
        if condition.exists and current is None:
            verb = "delete" if p.op == "delete" else "update"
            raise not_found(f"No document to {verb}: {p.name}")
        if not condition.exists and current is not None:
            raise already_exists(f"Document already exists: {p.name}")
    elif which == "update_time":
        wanted = documents.micros(condition.update_time)
        if current is None or documents.micros(current.update_time) != wanted:
            raise failed_precondition(
                f"The document {p.name} was not last updated at the time the precondition names."
            )


def apply(p: Planned, current: Document | None, now_us: int) -> tuple[Document | None, Any]:
    """The document after this write and its WriteResult (``current`` if nothing changed)."""
    check_precondition(p, current)
    result = WriteResultPb()
    if p.op == "delete":
        return None, result
    if p.op == "update":
        new = documents.apply_update(current, p.write, p.mask)
    else:
        new = DocumentPb()
        if current is not None:
            new.fields.MergeFrom(current.fields)
    new.name = p.name
    result.transform_results.extend(documents.apply_transforms(new.fields, p.transforms, now_us))
    if new.ByteSize() > MAX_DOCUMENT_BYTES:
        raise invalid(f"Document {p.name} would exceed the maximum document size (1 MiB).")
    if current is not None and new.fields == current.fields:
        result.update_time.CopyFrom(current.update_time)
        return current, result
    if current is not None:
        new.create_time.CopyFrom(current.create_time)
    else:
        documents.set_micros(new.create_time, now_us)
    documents.set_micros(new.update_time, now_us)
    result.update_time.CopyFrom(new.update_time)
    return new, result


def commit(
    db: Database, planned: Sequence[Planned], txn: Transaction | None, alive: Alive
) -> Outcome:
    """Apply every write or none (the caller holds ``db.cond``)."""
    waiter = txn if txn is not None else db.transactions.outsider()
    db.transactions.wait_for_writes(waiter, {p.rel for p in planned}, alive)
    now = db.clock.tick()
    originals: dict[str, Document | None] = {}
    staged: dict[str, Document | None] = {}
    results = []
    for p in planned:
        if p.rel not in staged:
            staged[p.rel] = originals[p.rel] = db.get(p.rel)
        staged[p.rel], result = apply(p, staged[p.rel], now)
        results.append(result)
    db.install({rel: doc for rel, doc in staged.items() if doc is not originals[rel]}, now)
    deletes = sum(p.op == "delete" for p in planned)
    return Outcome(now, results, len(planned) - deletes, deletes)
