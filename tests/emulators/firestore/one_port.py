"""A one-port front for the calsync emulator, shaped like the official Firestore emulator.

The official emulator serves gRPC and its HTTP reset endpoint on one port; ours uses two.
:class:`OnePortProxy` listens on one loopback port and forwards each connection, whole, to
the gRPC port when it opens with the HTTP/2 preface (``PRI * HTTP/2.0``) and to the admin
port otherwise (HTTP/1.1), so a test run given only ``FIRESTORE_EMULATOR_HOST`` sees a
server like the official one.
"""

from __future__ import annotations

import contextlib
import socket
import threading

_PREFACE = b"PRI "


def _address(host_port: str) -> tuple[str, int]:
    host, port = host_port.rsplit(":", 1)
    return host, int(port)


class OnePortProxy:
    """Forwards HTTP/2 connections to ``grpc`` and the others to ``admin`` (both "H:P")."""

    def __init__(self, grpc: str, admin: str) -> None:
        self._grpc, self._admin = _address(grpc), _address(admin)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, name="one-port-accept", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._route, args=(client,), daemon=True).start()

    def _route(self, client: socket.socket) -> None:
        try:
            first = client.recv(len(_PREFACE), socket.MSG_PEEK | socket.MSG_WAITALL)
            target = self._grpc if first.startswith(_PREFACE) else self._admin
            upstream = socket.create_connection(target)
        except OSError:
            client.close()
            return
        with self._lock:
            self._open.update((client, upstream))
        requests = threading.Thread(target=_pump, args=(client, upstream), daemon=True)
        requests.start()
        _pump(upstream, client)
        requests.join()
        for sock in (client, upstream):
            with self._lock:
                self._open.discard(sock)
            sock.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy ``source`` to ``sink`` until ``source`` ends, then end ``sink``'s writing."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
