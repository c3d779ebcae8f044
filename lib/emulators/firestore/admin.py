"""The HTTP admin interface (a second port): reset data, read and reset the counters.

- ``DELETE /emulator/v1/projects/{project}/databases/{database}/documents``: drop that
  database's documents (the path the official emulator serves, so one reset works on both);
- ``DELETE /_admin/documents``: drop every database's documents;
- ``GET /_admin/stats``: the counters as JSON (see :mod:`emulators.firestore.stats`);
- ``DELETE /_admin/stats``: reset the counters;
- ``GET /_admin/health``: ``{"status": "ok"}``.
"""

from __future__ import annotations

import json
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from emulators.firestore.service import Emulator

_RESET = re.compile(r"^/emulator/v1/(projects/[^/]+/databases/[^/]+)/documents/?$")


def serve(emulator: Emulator, host: str, port: int) -> ThreadingHTTPServer:
    """Start the admin server in a daemon thread and return it (``server_address`` has the port)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/_admin/stats":
                self._reply(HTTPStatus.OK, emulator.stats.snapshot())
            elif path in ("/", "/_admin/health"):
                self._reply(HTTPStatus.OK, {"status": "ok"})
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such admin path: {path}"})

        def do_DELETE(self) -> None:
            path = self.path.split("?", 1)[0]
            match = _RESET.match(path)
            if match:
                emulator.reset(match.group(1))
                self._reply(HTTPStatus.OK, {})
            elif path == "/_admin/documents":
                emulator.reset()
                self._reply(HTTPStatus.OK, {})
            elif path == "/_admin/stats":
                emulator.stats.reset()
                self._reply(HTTPStatus.OK, {})
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such admin path: {path}"})

        def _reply(self, status: HTTPStatus, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the emulator's output to its ready line and real problems."""

    httpd = ThreadingHTTPServer((host, port), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, name="firestore-admin", daemon=True).start()
    return httpd
