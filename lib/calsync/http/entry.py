"""Entry points as deployed functions and as WSGI apps.

`serve(name, request)` is what each function in `functions/main.py` calls: the services are
built on the first request (from `CALSYNC_*` settings, by bootstrap) and reused after, never at
import time, as in Google's Cloud Functions samples. `wsgi_app(services)` serves every entry
point from one WSGI app, each mounted at `/<name>` (the local stack and tests).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from calsync.errors import CalsyncError
from calsync.http.accounts import ACCOUNTS
from calsync.http.activities import ACTIVITIES
from calsync.http.app import EntryPoint, http_error_response, json_response
from calsync.http.oauth import OAUTH
from calsync.http.tasks import FANOUT, WEBHOOKS, WORKER
from calsync.logs import configure as configure_logging
from calsync.services.registry import Services

log = logging.getLogger(__name__)

ENTRY_POINTS: dict[str, EntryPoint] = {
    entry.name: entry for entry in (OAUTH, ACCOUNTS, ACTIVITIES, WEBHOOKS, WORKER, FANOUT)
}


_LOCK = threading.Lock()


@functools.cache
def _build() -> Services:
    from calsync.bootstrap import bootstrap  # noqa: PLC0415 - wiring loads on first request
    from calsync.config import get_settings  # noqa: PLC0415

    settings = get_settings()
    configure_logging(settings.log_level)
    return bootstrap(settings)


def services() -> Services:
    """The process's services, built once, on first use (concurrent first requests wait)."""
    with _LOCK:
        return _build()


def built() -> bool:
    """Whether the services exist yet (nothing is built at import time)."""
    return _build.cache_info().currsize > 0


def forget() -> None:
    """Drop the built services (tests; a new configuration)."""
    _build.cache_clear()


def serve(name: str, request: Request) -> Response:
    """Answer `request` as the entry point `name`."""
    try:
        built = services()
    except CalsyncError as error:  # a misconfigured deployment: logged, not told to callers
        log.error("cannot serve %s: %s", name, error)
        body = {"error": {"code": "configuration", "message": "the service is misconfigured"}}
        return json_response(body, 500)
    return ENTRY_POINTS[name].handle(built, request)


def wsgi_app(built: Services) -> WSGIApplication:
    """One WSGI app serving every entry point under `/<name>/...`."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        first = request.path.lstrip("/").split("/", 1)[0]
        entry = ENTRY_POINTS.get(first)
        if entry is None:
            response = http_error_response(NotFound())
        else:
            response = entry.handle(built, request)
        return response(environ, start_response)

    return app
