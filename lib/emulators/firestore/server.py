"""The gRPC server: registers ``google.firestore.v1.Firestore`` on the client's own types.

Each method uses the raw protobuf classes of ``google.cloud.firestore_v1.types`` for
(de)serialisation, counts the call, and turns an :class:`RpcError` into its status; any other
exception becomes INTERNAL (logged), so a bad request never takes the server down.

A call waiting for a lock keeps its worker thread, so the pool grows with the calls in
flight (a new thread whenever none is idle, up to ``MAX_WORKERS``): callers blocked on a
locked document never keep the lock holder's own Commit or Rollback from being served.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
from google.cloud.firestore_v1.types import document, firestore
from google.protobuf import empty_pb2

from emulators.firestore.errors import unimplemented
from emulators.firestore.mutations import Mutations
from emulators.firestore.reads import Reads
from emulators.firestore.service import Emulator
from emulators.rpc import RpcError

SERVICE = "google.firestore.v1.Firestore"
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
MAX_WORKERS = 4096  # calls in flight at once; a thread is started only when none is idle
log = logging.getLogger("emulators.firestore")
Handler = Callable[[Any, grpc.ServicerContext], Any]


def _pb(cls: Any) -> Any:
    return cls.pb()


def _guarded(method: str, fn: Handler, emulator: Emulator) -> Handler:
    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        emulator.stats.rpc(method)
        try:
            return fn(request, context)
        except RpcError as error:
            context.abort(error.code, error.message)
        except Exception as error:
            log.exception("%s failed", method)
            context.abort(grpc.StatusCode.INTERNAL, f"{method} failed in the emulator: {error!r}")

    return handle


def _streamed(method: str, fn: Handler, emulator: Emulator) -> Handler:
    guarded = _guarded(method, fn, emulator)

    def handle(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        yield from guarded(request, context)

    return handle


def _refuse(message: str) -> Handler:
    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        raise unimplemented(message)

    return handle


def generic_handler(emulator: Emulator) -> grpc.GenericRpcHandler:
    """The Firestore service's method table for ``grpc.server``."""
    reads, mutations = Reads(emulator), Mutations(emulator)
    fs = firestore
    unary: dict[str, tuple[Handler, Any, Any]] = {
        "GetDocument": (reads.GetDocument, fs.GetDocumentRequest, document.Document),
        "ListDocuments": (reads.ListDocuments, fs.ListDocumentsRequest, fs.ListDocumentsResponse),
        "ListCollectionIds": (
            reads.ListCollectionIds,
            fs.ListCollectionIdsRequest,
            fs.ListCollectionIdsResponse,
        ),
        "PartitionQuery": (
            reads.PartitionQuery,
            fs.PartitionQueryRequest,
            fs.PartitionQueryResponse,
        ),
        "CreateDocument": (mutations.CreateDocument, fs.CreateDocumentRequest, document.Document),
        "UpdateDocument": (mutations.UpdateDocument, fs.UpdateDocumentRequest, document.Document),
        "DeleteDocument": (mutations.DeleteDocument, fs.DeleteDocumentRequest, None),
        "BeginTransaction": (
            mutations.BeginTransaction,
            fs.BeginTransactionRequest,
            fs.BeginTransactionResponse,
        ),
        "Commit": (mutations.Commit, fs.CommitRequest, fs.CommitResponse),
        "Rollback": (mutations.Rollback, fs.RollbackRequest, None),
        "BatchWrite": (mutations.BatchWrite, fs.BatchWriteRequest, fs.BatchWriteResponse),
    }
    streams: dict[str, tuple[Handler, Any, Any]] = {
        "BatchGetDocuments": (
            reads.BatchGetDocuments,
            fs.BatchGetDocumentsRequest,
            fs.BatchGetDocumentsResponse,
        ),
        "RunQuery": (reads.RunQuery, fs.RunQueryRequest, fs.RunQueryResponse),
        "RunAggregationQuery": (
            reads.RunAggregationQuery,
            fs.RunAggregationQueryRequest,
            fs.RunAggregationQueryResponse,
        ),
        "ExecutePipeline": (
            _refuse("ExecutePipeline (pipelines) is not supported by this emulator."),
            fs.ExecutePipelineRequest,
            fs.ExecutePipelineResponse,
        ),
    }
    table: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for name, (fn, request, response) in unary.items():
        table[name] = grpc.unary_unary_rpc_method_handler(
            _guarded(name, fn, emulator),
            request_deserializer=_pb(request).FromString,
            response_serializer=_serializer(response),
        )
    for name, (fn, request, response) in streams.items():
        table[name] = grpc.unary_stream_rpc_method_handler(
            _streamed(name, fn, emulator),
            request_deserializer=_pb(request).FromString,
            response_serializer=_serializer(response),
        )
    for name, request, response, what in (
        ("Listen", fs.ListenRequest, fs.ListenResponse, "Listen (on_snapshot)"),
        ("Write", fs.WriteRequest, fs.WriteResponse, "The streaming Write RPC"),
    ):
        refuse = _refuse(f"{what} is not supported by this emulator; use get() or queries.")
        table[name] = grpc.stream_stream_rpc_method_handler(
            _streamed(name, refuse, emulator),
            request_deserializer=_pb(request).FromString,
            response_serializer=_serializer(response),
        )
    return grpc.method_handlers_generic_handler(SERVICE, table)


def _serializer(response: Any) -> Callable[[Any], bytes]:
    cls = empty_pb2.Empty if response is None else _pb(response)
    serialize: Callable[[Any], bytes] = cls.SerializeToString
    return serialize


def build(
    emulator: Emulator, host: str, port: int, workers: int = MAX_WORKERS
) -> tuple[grpc.Server, int]:
    """A ready (not yet started) server bound to host:port; returns it and the port.

    ``ThreadPoolExecutor`` reuses an idle thread when there is one and starts another only
    when every thread is busy, so ``workers`` is a ceiling on concurrent calls, not a pool
    that waiting calls could exhaust.
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="firestore"),
        handlers=[generic_handler(emulator)],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ],
    )
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    bound = server.add_insecure_port(address)
    if not bound:
        raise OSError(f"could not listen on {address}")
    return server, bound
