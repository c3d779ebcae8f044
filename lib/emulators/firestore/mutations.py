"""The write and transaction RPCs: Commit, BatchWrite, BeginTransaction, Rollback,
CreateDocument, UpdateDocument and DeleteDocument."""

from __future__ import annotations

from typing import Any

from google.cloud.firestore_v1.types import firestore, write
from google.protobuf import empty_pb2
from google.rpc import status_pb2  # type: ignore[import-untyped]

from emulators.firestore import documents, paths, writes
from emulators.firestore.errors import invalid
from emulators.firestore.service import Emulator
from emulators.firestore.store import Database
from emulators.rpc import RpcError

BeginTransactionResponsePb = firestore.BeginTransactionResponse.pb()
CommitResponsePb = firestore.CommitResponse.pb()
BatchWriteResponsePb = firestore.BatchWriteResponse.pb()
WritePb = write.Write.pb()
Empty = empty_pb2.Empty


class Mutations:
    """Handlers for the RPCs that change data or transactions."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def BeginTransaction(self, request: Any, context: Any) -> Any:
        db = self.emulator.database(request.database)
        options = request.options if request.HasField("options") else None
        with db.cond:
            txn = self.emulator.begin(db, options)
        return BeginTransactionResponsePb(transaction=txn.id)

    def Rollback(self, request: Any, context: Any) -> Any:
        db = self.emulator.database(request.database)
        with db.cond:
            txn = db.transactions.live.get(request.transaction)
            if txn is not None:
                db.transactions.finish(txn, "rolled back")
            elif not db.transactions.known_ended(request.transaction):
                raise invalid("The referenced transaction is not valid for this database.")
        return Empty()

    def Commit(self, request: Any, context: Any) -> Any:
        db = self.emulator.database(request.database)
        outcome = self._commit(db, list(request.writes), request.transaction, context)
        response = CommitResponsePb(write_results=outcome.results)
        documents.set_micros(response.commit_time, outcome.commit_us)
        return response

    def BatchWrite(self, request: Any, context: Any) -> Any:
        """Apply each write on its own (not atomically); report a status per write."""
        db = self.emulator.database(request.database)
        planned: list[writes.Planned | None] = []
        statuses = [status_pb2.Status() for _ in request.writes]
        for index, w in enumerate(request.writes):
            try:
                planned.append(writes.plan(w, db.name))
            except RpcError as error:
                planned.append(None)
                statuses[index] = _status(error)
        rels = [p.rel for p in planned if p is not None]
        if len(set(rels)) != len(rels):
            raise invalid("BatchWrite does not allow more than one write per document.")
        results = [writes.WriteResultPb() for _ in request.writes]
        billed = {"writes": 0, "deletes": 0}
        with db.cond:
            db.transactions.wait_for_writes(db.transactions.outsider(), rels, context.is_active)
            now = db.clock.tick()
            for index, p in enumerate(planned):
                if p is None:
                    continue
                try:
                    current = db.get(p.rel)
                    new, results[index] = writes.apply(p, current, now)
                except RpcError as error:
                    statuses[index] = _status(error)
                    continue
                if new is not current:
                    db.install({p.rel: new}, now)
                billed["deletes" if p.op == "delete" else "writes"] += 1
        self.emulator.stats.bill(db.name, **billed)
        return BatchWriteResponsePb(write_results=results, status=statuses)

    def CreateDocument(self, request: Any, context: Any) -> Any:
        db = self.emulator.database_of(request.parent)
        parent = paths.parent_path(request.parent, db.name)
        collection_id = paths.check_collection_id(request.collection_id)
        doc_id = paths.check_document_id(request.document_id or paths.auto_id())
        w = WritePb()
        w.update.CopyFrom(request.document)
        w.update.name = db.name_of(paths.join(parent, collection_id, doc_id))
        w.current_document.exists = False
        return self._write_one(db, w, request, context)

    def UpdateDocument(self, request: Any, context: Any) -> Any:
        db = self.emulator.database_of(request.document.name)
        w = WritePb()
        w.update.CopyFrom(request.document)
        if request.HasField("update_mask"):
            w.update_mask.CopyFrom(request.update_mask)
        if request.HasField("current_document"):
            w.current_document.CopyFrom(request.current_document)
        return self._write_one(db, w, request, context)

    def DeleteDocument(self, request: Any, context: Any) -> Any:
        db = self.emulator.database_of(request.name)
        w = WritePb(delete=request.name)
        if request.HasField("current_document"):
            w.current_document.CopyFrom(request.current_document)
        self._commit(db, [w], b"", context)
        return Empty()

    def _write_one(self, db: Database, w: Any, request: Any, context: Any) -> Any:
        self._commit(db, [w], b"", context)
        rel = paths.document_path(w.update.name, db.name)
        with db.cond:
            doc = db.get(rel)
        if doc is None:  # deleted again by a concurrent commit
            return documents.DocumentPb(name=w.update.name)
        return documents.masked(doc, request)

    def _commit(self, db: Database, ws: list[Any], txn_id: bytes, context: Any) -> writes.Outcome:
        planned_or_error: list[writes.Planned] | RpcError
        try:
            planned_or_error = [writes.plan(w, db.name) for w in ws]
        except RpcError as error:
            planned_or_error = error
        with db.cond:
            txn = db.transactions.get(txn_id) if txn_id else None
            try:
                if isinstance(planned_or_error, RpcError):
                    raise planned_or_error
                if txn is not None and txn.read_only and planned_or_error:
                    raise invalid("Cannot modify documents in a read-only transaction.")
                if txn is not None:
                    db.transactions.enter(txn)
                outcome = writes.commit(db, planned_or_error, txn, context.is_active)
            except RpcError as error:
                if txn is not None:
                    db.transactions.finish(txn, f"commit failed: {error.message}")
                raise
            if txn is not None:
                db.transactions.finish(txn, "committed")
        self.emulator.stats.bill(db.name, writes=outcome.writes, deletes=outcome.deletes)
        return outcome


def _status(error: RpcError) -> Any:
    code: int = error.code.value[0]
    return status_pb2.Status(code=code, message=error.message)
