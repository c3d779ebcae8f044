"""The functions server: all six entry points in one threaded HTTP server, plus `/_dev` pages.

`wsgi_app(services)` mounts each entry point at `/<name>`. Beside them, `/_dev/...` stands in
for the CRM frontend: the OAuth callback redirects a browser there, and the page shows where it
landed (the new account's id and confirmation code, or why the connection was refused).
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from calsync.devstack.settings import DEV_PAGES
from calsync.http.entry import wsgi_app
from calsync.services.registry import Services

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>calsync local stack</title>
</head><body><h1>calsync local stack</h1><p>This page stands in for the CRM frontend.</p>
<p>You arrived at <code>{path}</code> with:</p><ul>{items}</ul>{confirm}</body></html>"""
_CONFIRM = """<p>A new connection: the frontend now confirms it with its user's bearer token
(it has none here), e.g. <code>curl -X POST -H "Authorization: Bearer $(calsync token)"
-d '{body}' {url}</code>; until then the account refuses its calendars, settings and start.</p>"""


def dev_page(request: Request) -> Response:
    items = "".join(
        f"<li><code>{html.escape(key)}</code> = <code>{html.escape(value)}</code></li>"
        for key, value in request.args.items(multi=True)
    )
    confirm = ""
    account_id, code = request.args.get("account_id"), request.args.get("confirmation")
    if account_id and code:
        body = json.dumps({"account_id": account_id, "code": code})
        url = request.host_url.rstrip("/") + "/oauth/confirm"
        confirm = _CONFIRM.format(body=html.escape(body), url=html.escape(url))
    page = _PAGE.format(
        path=html.escape(request.path), items=items or "<li>nothing</li>", confirm=confirm
    )
    return Response(page, content_type="text/html; charset=utf-8")


def stack_app(services: Services) -> WSGIApplication:
    """The entry points, with the stand-in frontend pages under `/_dev`."""
    functions = wsgi_app(services)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == DEV_PAGES or path.startswith(DEV_PAGES + "/"):
            return dev_page(Request(environ))(environ, start_response)
        return functions(environ, start_response)

    return app


class FunctionsServer:
    """A threaded werkzeug server, bound at construction (so port 0 is known at once)."""

    def __init__(self, host: str, port: int) -> None:
        self._app: WSGIApplication | None = None
        self._server: BaseWSGIServer = make_server(host, port, self._dispatch, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="functions", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.server_port}"

    def serve(self, app: WSGIApplication) -> None:
        self._app = app
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def _dispatch(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        assert self._app is not None, "serve() sets the app before the thread starts"
        return self._app(environ, start_response)
