"""The WSGI application: routing, and the pipeline every Calendar API call goes through.

A call is delayed by any injected latency, then authenticated (401 ``authError``), checked
against the method's scopes from the discovery document (403 ``insufficientPermissions``),
charged to the user's quota (403/429), given any injected fault, and finally handled under the
store lock, so calls are atomic. ``fields`` trims the reply.

Bad input gets a 4xx in Google's shape: handlers raise :class:`errors.ApiError` or
:class:`errors.OAuthError` for everything a client can send wrong. Any other exception is a bug
of the simulator: it is logged as ``unexpected failure in <endpoint>`` (which the test fixtures
fail on) and answered with 500 ``backendError``, on every endpoint (API, batch, OAuth, admin).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from emulators.google import batch, errors, partial
from emulators.google.admin import AdminEndpoints
from emulators.google.calls import Call, Reply
from emulators.google.oauth import OAuthEndpoints, bearer_of, json_response
from emulators.google.routes import API_HANDLERS, build_map, is_api
from emulators.google.simulator import Simulator

log = logging.getLogger("emulators.google")
StartResponse = Any


class GoogleApp:
    """Google Calendar v3, OAuth 2.0 and the admin interface on one host."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.url_map = build_map()
        self.oauth = OAuthEndpoints(sim)
        self.admin = AdminEndpoints(sim)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.handle(Request(method_overridden(environ)))
        return response(environ, start_response)

    def handle(self, request: Request, *, in_batch: bool = False) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            return _error(errors.ApiError(405, "methodNotAllowed", "Method Not Allowed"))
        except NotFound:
            return _error(errors.not_found(f"No such method: {request.method} {request.path}"))
        except HTTPException as exc:
            return _error(errors.bad_request(str(exc.description)))
        if is_api(str(endpoint)):
            return self.api_call(request, str(endpoint), dict(args))
        if in_batch:
            return _error(errors.bad_request("Only Calendar API calls may be batched."))
        return self._other(request, str(endpoint), dict(args))

    def api_call(self, request: Request, method: str, args: dict[str, str]) -> Response:
        sim = self.sim
        delay = sim.control.latency(method)
        if delay:
            time.sleep(delay)
        try:
            response = self._api_reply(request, method, args)
        except errors.ApiError as error:
            response = _error(error)
        except Exception:
            log.exception("unexpected failure in %s", method)
            response = _error(errors.backend_error())
        sim.control.count(method, response.status_code)
        return response

    def _api_reply(self, request: Request, method: str, args: dict[str, str]) -> Response:
        sim = self.sim
        token = sim.grants.authenticate(bearer_of(request))
        if not token.scopes & sim.discovery.method_scopes.get(method, frozenset()):
            raise errors.insufficient_scopes()
        sim.control.charge(method, token.grant.email)
        injected = sim.control.injected_error(method)
        if injected is not None:
            raise injected
        fields = request.args.get("fields")
        selection = partial.parse(fields) if fields else None
        call = Call(sim, request, token.grant.email, token.grant.client_id, request.host_url)
        with sim.store.lock:
            reply: Reply = API_HANDLERS[method](call, **args)
        body = reply.body
        if body is not None and selection is not None:
            body = partial.apply(body, selection)
        if body is None:
            return Response(b"", reply.status, reply.headers)
        return json_response(body, reply.status, reply.headers)

    def _other(self, request: Request, endpoint: str, args: dict[str, str]) -> Response:
        try:
            return self._non_api(request, endpoint, args)
        except Exception:
            log.exception("unexpected failure in %s", endpoint)
            return _error(errors.backend_error())

    def _non_api(self, request: Request, endpoint: str, args: dict[str, str]) -> Response:
        if endpoint == "discovery":
            return json_response(self.sim.discovery.served(request.host_url))
        if endpoint == "batch":
            return self._batch(request)
        if endpoint.startswith("admin."):
            return self.admin.handle(endpoint, request, args)
        return self._oauth(request, endpoint)

    def _batch(self, request: Request) -> Response:
        try:
            response, parts = batch.handle(request, lambda sub: self.handle(sub, in_batch=True))
        except errors.ApiError as error:
            return _error(error)
        self.sim.control.count_batch(parts)
        return response

    def _oauth(self, request: Request, endpoint: str) -> Response:
        control = self.sim.control
        delay = control.latency(endpoint)
        if delay:
            time.sleep(delay)
        status = control.injected_status(endpoint)
        if status is not None:
            response = _oauth_fault(status)
        else:
            response = self._oauth_endpoint(request, endpoint)
        control.count(endpoint, response.status_code)
        return response

    def _oauth_endpoint(self, request: Request, endpoint: str) -> Response:
        oauth = self.oauth
        handlers = {
            "oauth.authorize": lambda: oauth.authorize(request),
            "oauth.decision": lambda: oauth.decision(request),
            "oauth.token": lambda: oauth.token(request),
            "oauth.revoke": lambda: oauth.revoke(request),
            "oauth.userinfo": lambda: oauth.userinfo(request, openid=False),
            "oauth.userinfo_openid": lambda: oauth.userinfo(request, openid=True),
            "oauth.certs": oauth.certs,
            "oauth.jwks": oauth.jwks,
        }
        try:
            return handlers[endpoint]()
        except Exception:
            log.exception("unexpected failure in %s", endpoint)
            return json_response({"error": "internal_failure"}, 500)


def method_overridden(environ: dict[str, Any]) -> dict[str, Any]:
    """Honour ``X-HTTP-Method-Override`` on a POST, as Google does.

    google-api-python-client turns a GET whose URL is longer than 2048 characters into a POST
    with ``X-HTTP-Method-Override: GET`` and the query string as a form-encoded body; the
    request is then handled as the GET it stands for.
    """
    override = str(environ.get("HTTP_X_HTTP_METHOD_OVERRIDE", "")).strip().upper()
    if environ.get("REQUEST_METHOD") != "POST" or not override:
        return environ
    changed = dict(environ, REQUEST_METHOD=override)
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        body = Request(environ).get_data().decode("latin-1")
        query = str(environ.get("QUERY_STRING", ""))
        changed["QUERY_STRING"] = f"{query}&{body}" if query and body else query or body
        changed.update(CONTENT_LENGTH="0", CONTENT_TYPE="")
        changed["wsgi.input"] = io.BytesIO(b"")
    return changed


def _error(error: errors.ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def _oauth_fault(status: int) -> Response:
    """An injected failure of an OAuth endpoint, in the OAuth error shape."""
    if status >= 500:
        body = {"error": "internal_failure", "error_description": "Backend Error"}
    elif status == 401:
        body = {"error": "invalid_client", "error_description": "Unauthorized"}
    else:
        body = {"error": "rate_limit_exceeded", "error_description": "Rate Limit Exceeded"}
    return json_response(body, status)
