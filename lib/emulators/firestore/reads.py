"""The read RPCs: GetDocument, BatchGetDocuments, RunQuery, RunAggregationQuery,
ListDocuments, ListCollectionIds and PartitionQuery."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from google.cloud.firestore_v1.types import aggregation_result, document, firestore

from emulators.firestore import aggregations, execute, paths, query
from emulators.firestore.documents import DocumentPb, masked
from emulators.firestore.errors import invalid, not_found, unimplemented
from emulators.firestore.service import Emulator, View
from emulators.firestore.store import Database
from emulators.rpc import RpcError

BatchGetResponsePb = firestore.BatchGetDocumentsResponse.pb()
RunQueryResponsePb = firestore.RunQueryResponse.pb()
RunAggregationResponsePb = firestore.RunAggregationQueryResponse.pb()
ListDocumentsResponsePb = firestore.ListDocumentsResponse.pb()
ListCollectionIdsResponsePb = firestore.ListCollectionIdsResponse.pb()
_LIST_DOCUMENTS, _LIST_COLLECTION_IDS = "documents", "collections"
PartitionQueryResponsePb = firestore.PartitionQueryResponse.pb()
AggregationResultPb = aggregation_result.AggregationResult.pb()
TimestampPb = type(document.Document.pb()().create_time)


class Reads:
    """Handlers for the read RPCs (each takes the raw request pb and the gRPC context)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def GetDocument(self, request: Any, context: Any) -> Any:
        db = self.emulator.database_of(request.name)
        rel = paths.document_path(request.name, db.name)
        with self.emulator.view(db, request, context) as view, db.cond:
            view.lock_documents([rel])
            doc = db.get(rel, view.when)
        self.emulator.stats.bill(db.name, reads=1)
        if doc is None:
            raise not_found(f'Document "{request.name}" not found.')
        return masked(doc, request)

    def BatchGetDocuments(self, request: Any, context: Any) -> Iterator[Any]:
        db = self.emulator.database(paths.parse_database(request.database))
        rels = [paths.document_path(name, db.name) for name in request.documents]
        with self.emulator.view(db, request, context) as view, db.cond:
            view.lock_documents(rels)
            found = [db.get(rel, view.when) for rel in rels]
            stamp = _timestamp(view.read_time())
        self.emulator.stats.bill(db.name, reads=len(rels))
        responses = []
        for name, doc in zip(request.documents, found, strict=True):
            response = BatchGetResponsePb(read_time=stamp)
            if doc is None:
                response.missing = name
            else:
                response.found.CopyFrom(masked(doc, request))
            responses.append(response)
        if view.new_id is not None:
            if not responses:
                responses.append(BatchGetResponsePb(read_time=stamp))
            responses[0].transaction = view.new_id
        return iter(responses)

    def RunQuery(self, request: Any, context: Any) -> Iterator[Any]:
        db, q = self._plan(request, "structured_query")
        with self.emulator.view(db, request, context) as view, db.cond:
            view.lock_scope(q.scope)
            docs, skipped = execute.run(db, q, view.when)
            stamp = _timestamp(view.read_time())
        self.emulator.stats.bill(db.name, reads=max(1, len(docs) + skipped))
        responses = [RunQueryResponsePb(document=doc, read_time=stamp) for doc in docs]
        if not responses:
            responses.append(RunQueryResponsePb(read_time=stamp))
        responses[0].skipped_results = skipped
        if view.new_id is not None:
            responses[0].transaction = view.new_id
        return iter(responses)

    def RunAggregationQuery(self, request: Any, context: Any) -> Iterator[Any]:
        if request.WhichOneof("query_type") != "structured_aggregation_query":
            raise invalid("RunAggregationQuery needs a structured_aggregation_query.")
        aggregation = request.structured_aggregation_query
        aliases = aggregations.check(aggregation.aggregations)
        db, q = self._plan(request, None, aggregation.structured_query)
        q.projection = None
        with self.emulator.view(db, request, context) as view, db.cond:
            view.lock_scope(q.scope)
            docs, _ = execute.run(db, q, view.when)
            stamp = _timestamp(view.read_time())
        self.emulator.stats.bill(db.name, reads=max(1, math.ceil(len(docs) / 1000)))
        result = AggregationResultPb()
        for alias, spec in zip(aliases, aggregation.aggregations, strict=True):
            result.aggregate_fields[alias].CopyFrom(aggregations.compute(spec, docs))
        response = RunAggregationResponsePb(result=result, read_time=stamp)
        if view.new_id is not None:
            response.transaction = view.new_id
        return iter([response])

    def ListDocuments(self, request: Any, context: Any) -> Any:
        db = self.emulator.database_of(request.parent)
        parent = paths.parent_path(request.parent, db.name)
        if request.collection_id:
            paths.check_collection_id(request.collection_id)
        descending = _list_order(request.order_by)
        _check_page_size(request.page_size)
        after = _decode_token(
            request.page_token,
            _LIST_DOCUMENTS,
            lambda rel: paths.document_path(db.name_of(rel), db.name),
        )
        with self.emulator.view(db, request, context) as view, db.cond:
            if request.collection_id:
                view.lock_scope(("c", parent, request.collection_id))
                sources = db.sources(parent, request.collection_id, descendants=False)
            else:
                view.lock_scope(("g", "", parent))
                sources = [c for (p, _), c in db.collections.items() if p == parent]
            rows = _listing(db, sources, view, request.show_missing)
        rows.sort(key=lambda row: row[0], reverse=descending)
        if after is not None:
            bound = paths.path_key(after)
            rows = [row for row in rows if (row[0] < bound if descending else row[0] > bound)]
        size = request.page_size if request.page_size > 0 else len(rows)
        page, more = rows[:size], len(rows) > size
        self.emulator.stats.bill(db.name, reads=max(1, len(page)))
        response = ListDocumentsResponsePb(documents=[masked(doc, request) for _, doc in page])
        if more:
            last = paths.split_name(page[-1][1].name)[1]
            response.next_page_token = _encode_token(_LIST_DOCUMENTS, last)
        return response

    def ListCollectionIds(self, request: Any, context: Any) -> Any:
        db = self.emulator.database_of(request.parent)
        parent = paths.parent_path(request.parent, db.name)
        if request.HasField("read_time"):
            self.emulator.checked_read_time(db, request.read_time)
        _check_page_size(request.page_size)
        after = _decode_token(request.page_token, _LIST_COLLECTION_IDS, paths.check_collection_id)
        with db.cond:
            ids = db.collection_ids(parent)
        if after is not None:
            ids = [i for i in ids if paths.segment_key(i) > paths.segment_key(after)]
        size = request.page_size if request.page_size > 0 else len(ids)
        self.emulator.stats.bill(db.name, reads=1)
        response = ListCollectionIdsResponsePb(collection_ids=ids[:size])
        if len(ids) > size:
            response.next_page_token = _encode_token(_LIST_COLLECTION_IDS, ids[size - 1])
        return response

    def PartitionQuery(self, request: Any, context: Any) -> Any:
        """One partition (no cursors) is always a valid answer: the whole query."""
        self._plan(request, "structured_query")
        if request.partition_count <= 0:
            raise invalid("partition_count must be positive.")
        return PartitionQueryResponsePb()

    def _plan(
        self, request: Any, expected: str | None, sq: Any | None = None
    ) -> tuple[Database, query.Query]:
        if expected is not None:
            if request.WhichOneof("query_type") != expected:
                raise invalid(f"The request needs a {expected}.")
            sq = getattr(request, expected)
        if "explain_options" in request.DESCRIPTOR.fields_by_name and request.HasField(
            "explain_options"
        ):
            raise unimplemented(
                "Query explain (explain_options) is not supported by this emulator."
            )
        db = self.emulator.database_of(request.parent)
        parent = paths.parent_path(request.parent, db.name)
        return db, query.plan(sq, parent, db.name)


def _listing(db: Database, sources: list[Any], view: View, missing: bool) -> list[Any]:
    rows = []
    for collection in sources:
        for entry, doc in collection.live(view.when):
            rows.append((entry.name_key, doc))
        if missing:
            for doc_id in collection.with_children:
                entry = collection.entries.get(doc_id)
                if entry is None or entry.at(view.when) is None:
                    rel = collection.path(doc_id)
                    rows.append((paths.path_key(rel), DocumentPb(name=db.name_of(rel))))
    return rows


def _list_order(order_by: str) -> bool:
    """ListDocuments orders by name only: '' / '__name__' (asc) or '__name__ desc'."""
    words = order_by.split()
    if not words:
        return False
    if words[0] != "__name__" or len(words) > 2 or words[1:] not in ([], ["asc"], ["desc"]):
        raise invalid("ListDocuments supports order_by '__name__' (asc or desc) only.")
    return words[1:] == ["desc"]


def _timestamp(micros_: int) -> Any:
    stamp = TimestampPb()
    stamp.seconds, rest = divmod(micros_, 1_000_000)
    stamp.nanos = rest * 1000
    return stamp


def _check_page_size(size: int) -> None:
    if size < 0:
        raise invalid("page_size must not be negative.")


def _encode_token(kind: str, value: str) -> str:
    """A page token: which listing made it and the last name it returned."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def _decode_token(token: str, kind: str, check: Callable[[str], object]) -> str | None:
    """The last name of the previous page (None without a token); INVALID_ARGUMENT for a
    token this listing did not make."""
    if not token:
        return None
    try:
        text = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
        prefix, _, value = text.partition(":")
        if prefix != kind:
            _bad_token()
        check(value)
    except (binascii.Error, UnicodeDecodeError, ValueError, RpcError):
        _bad_token()
    return value


def _bad_token() -> NoReturn:
    raise invalid("Invalid page_token: it was not returned by this listing.")
