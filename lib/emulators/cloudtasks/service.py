"""The gRPC service ``google.cloud.tasks.v2.CloudTasks``, on the client library's own messages.

Method paths and message types are those of the generated transport in ``google-cloud-tasks``
(``tasks_v2.<Message>.pb()`` is the raw protobuf class). Methods outside the emulator's scope
answer UNIMPLEMENTED with a message saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import grpc
from google.cloud import tasks_v2
from google.protobuf import empty_pb2

from emulators.cloudtasks import queue_ops, task_ops
from emulators.cloudtasks.dispatcher import Dispatcher
from emulators.cloudtasks.state import State
from emulators.rpc import RpcError

SERVICE = "google.cloud.tasks.v2.CloudTasks"
log = logging.getLogger(__name__)
_UNSUPPORTED = {
    "GetIamPolicy": "IAM policies",
    "SetIamPolicy": "IAM policies",
    "TestIamPermissions": "IAM permissions",
    "BatchCreateTasks": "BatchCreateTasks (create tasks one by one with CreateTask)",
    "BatchDeleteTasks": "BatchDeleteTasks (delete tasks one by one with DeleteTask)",
    "GetCmekConfig": "customer-managed encryption keys",
    "UpdateCmekConfig": "customer-managed encryption keys",
}


class CloudTasksService:
    """Turns requests into state operations and results into responses."""

    def __init__(self, state: State, dispatcher: Dispatcher) -> None:
        self._state = state
        self._dispatcher = dispatcher

    def handler(self) -> grpc.GenericRpcHandler:
        """The generic handler to register on a ``grpc.Server``."""
        t = tasks_v2
        implemented: dict[str, tuple[Callable[[Any], Any], Any, Any]] = {
            "ListQueues": (self.list_queues, t.ListQueuesRequest, t.ListQueuesResponse),
            "GetQueue": (self.get_queue, t.GetQueueRequest, t.Queue),
            "CreateQueue": (self.create_queue, t.CreateQueueRequest, t.Queue),
            "UpdateQueue": (self.update_queue, t.UpdateQueueRequest, t.Queue),
            "DeleteQueue": (self.delete_queue, t.DeleteQueueRequest, None),
            "PurgeQueue": (self.purge_queue, t.PurgeQueueRequest, t.Queue),
            "PauseQueue": (self.pause_queue, t.PauseQueueRequest, t.Queue),
            "ResumeQueue": (self.resume_queue, t.ResumeQueueRequest, t.Queue),
            "ListTasks": (self.list_tasks, t.ListTasksRequest, t.ListTasksResponse),
            "GetTask": (self.get_task, t.GetTaskRequest, t.Task),
            "CreateTask": (self.create_task, t.CreateTaskRequest, t.Task),
            "DeleteTask": (self.delete_task, t.DeleteTaskRequest, None),
            "RunTask": (self.run_task, t.RunTaskRequest, t.Task),
        }
        handlers = {
            method: _unary(function, request.pb(), response.pb() if response else empty_pb2.Empty)
            for method, (function, request, response) in implemented.items()
        }
        handlers.update({method: _unsupported(what) for method, what in _UNSUPPORTED.items()})
        return grpc.method_handlers_generic_handler(SERVICE, handlers)

    def list_queues(self, request: Any) -> Any:
        queues, following = queue_ops.list_(
            self._state, request.parent, request.filter, request.page_size, request.page_token
        )
        return tasks_v2.ListQueuesResponse.pb()(queues=queues, next_page_token=following)

    def get_queue(self, request: Any) -> Any:
        return queue_ops.get(self._state, request.name)

    def create_queue(self, request: Any) -> Any:
        return queue_ops.create(self._state, request.parent, request.queue)

    def update_queue(self, request: Any) -> Any:
        return queue_ops.update(self._state, request.queue, request.update_mask)

    def delete_queue(self, request: Any) -> Any:
        queue_ops.delete(self._state, request.name)
        return empty_pb2.Empty()

    def purge_queue(self, request: Any) -> Any:
        return queue_ops.purge(self._state, request.name)

    def pause_queue(self, request: Any) -> Any:
        return queue_ops.set_running(self._state, request.name, running=False)

    def resume_queue(self, request: Any) -> Any:
        return queue_ops.set_running(self._state, request.name, running=True)

    def list_tasks(self, request: Any) -> Any:
        tasks, following = task_ops.list_(
            self._state,
            request.parent,
            request.response_view,
            request.page_size,
            request.page_token,
        )
        return tasks_v2.ListTasksResponse.pb()(tasks=tasks, next_page_token=following)

    def get_task(self, request: Any) -> Any:
        return task_ops.get(self._state, request.name, request.response_view)

    def create_task(self, request: Any) -> Any:
        return task_ops.create(self._state, request.parent, request.task, request.response_view)

    def delete_task(self, request: Any) -> Any:
        task_ops.delete(self._state, request.name)
        return empty_pb2.Empty()

    def run_task(self, request: Any) -> Any:
        task, delivery = task_ops.run(self._state, request.name, request.response_view)
        self._dispatcher.submit([delivery])
        return task


def _unary(function: Callable[[Any], Any], request: Any, response: Any) -> Any:
    def behaviour(message: Any, context: grpc.ServicerContext) -> Any:
        try:
            return function(message)
        except RpcError as error:
            context.abort(error.code, error.message)
        except Exception as error:  # never crash the server on a request
            log.exception("unexpected error")
            context.abort(grpc.StatusCode.INTERNAL, f"emulator error: {error!r}")

    return grpc.unary_unary_rpc_method_handler(
        behaviour,
        request_deserializer=request.FromString,
        response_serializer=response.SerializeToString,
    )


def _unsupported(what: str) -> Any:
    def behaviour(_: bytes, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{what}: not supported by this emulator")

    return grpc.unary_unary_rpc_method_handler(behaviour)
