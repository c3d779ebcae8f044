"""Wires the emulator together: state, token issuer, dispatcher, gRPC server and HTTP server."""

from __future__ import annotations

import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc
from werkzeug.serving import make_server

from emulators.cloudtasks.admin import AdminApp
from emulators.cloudtasks.dispatcher import Dispatcher
from emulators.cloudtasks.oidc import TokenIssuer
from emulators.cloudtasks.sender import Sender
from emulators.cloudtasks.service import CloudTasksService
from emulators.cloudtasks.settings import Settings
from emulators.cloudtasks.state import State


class Emulator:
    """A running emulator; ``port`` is gRPC, ``http_port`` the keys and admin interface."""

    def __init__(self, host: str, port: int, http_port: int, settings: Settings) -> None:
        self.state = State(settings)
        self.issuer = TokenIssuer()
        self.dispatcher = Dispatcher(self.state, Sender(self.issuer))
        service = CloudTasksService(self.state, self.dispatcher)
        self._grpc = grpc.server(ThreadPoolExecutor(max_workers=16, thread_name_prefix="rpc"))
        self._grpc.add_generic_rpc_handlers((service.handler(),))
        try:
            self.port = self._grpc.add_insecure_port(f"{host}:{port}")
        except RuntimeError as error:
            raise OSError(f"cannot listen for gRPC on {host}:{port}: {error}") from None
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        listener = socket.create_server((host, http_port))  # OSError if taken
        self.http_port = int(listener.getsockname()[1])
        app = AdminApp(self.state, self.issuer)
        self._http = make_server(host, self.http_port, app, threaded=True, fd=listener.detach())
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def start(self) -> None:
        self.dispatcher.start()
        self._grpc.start()
        self._http_thread.start()

    def stop(self) -> None:
        self._grpc.stop(grace=0.5).wait()
        self._http.shutdown()
        self.dispatcher.stop()
