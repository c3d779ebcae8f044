"""calsync's deployed Cloud Functions: each entry point hands its request to calsync.

The services behind them are built on the first request from `CALSYNC_*` settings and reused
by later requests of the same instance; nothing is built at import time.
"""

from __future__ import annotations

import functions_framework
from calsync.http.entry import serve
from flask import Request
from werkzeug.wrappers import Response


@functions_framework.http
def oauth(request: Request) -> Response:
    """POST /oauth/start, GET /oauth/callback."""
    return serve("oauth", request)


@functions_framework.http
def accounts(request: Request) -> Response:
    """The CRM user's calendar accounts, settings, start / stop / remove."""
    return serve("accounts", request)


@functions_framework.http
def activities(request: Request) -> Response:
    """The CRM's activity store."""
    return serve("activities", request)


@functions_framework.http
def webhooks(request: Request) -> Response:
    """Google Calendar push notifications."""
    return serve("webhooks", request)


@functions_framework.http
def worker(request: Request) -> Response:
    """One account's sync job (Cloud Tasks)."""
    return serve("worker", request)


@functions_framework.http
def fanout(request: Request) -> Response:
    """The periodic safety net (Cloud Scheduler)."""
    return serve("fanout", request)
