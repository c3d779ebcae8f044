"""The core of the HTTP layer: an entry point is a werkzeug routing table plus this handling.

Every answer is JSON (except the OAuth redirect): calsync errors as their `to_json()` with
their status; unknown routes 404 and wrong methods 405 (with `Allow`); bodies over the limit
413; anything unexpected 500 with a generic message, logged by type and stack only (never the
message or the request, which may carry secrets). Handlers get a `Call`: the request, the
services, the route's arguments, and helpers for the bearer user, the OIDC caller and the
JSON body. Browser calls from the frontend's origin get CORS headers and preflight answers.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Request, Response

from calsync.domain.activity import User
from calsync.errors import CalsyncError, InvalidInput, PayloadTooLarge, Unauthenticated
from calsync.services.common import field_errors
from calsync.services.registry import Services

log = logging.getLogger(__name__)

Handler = Callable[["Call"], Response]


def json_response(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, headers=dict(headers or {}), mimetype="application/json")


def error_response(error: CalsyncError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthenticated) else {}
    return json_response(error.to_json(), error.status, headers)


@dataclass(frozen=True)
class Route:
    path: str  # werkzeug rule, e.g. "/accounts/<account_id>/settings"
    methods: tuple[str, ...]
    handler: Handler


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it."""

    request: Request
    services: Services
    args: Mapping[str, str]

    def user(self) -> User:
        """The CRM user of the bearer token; 401 without a valid one."""
        scheme, _, token = (self.request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("a bearer token is required")
        return self.services.users.verify(token.strip())

    def caller(self, audience: str) -> str:
        """The verified Cloud Tasks / Scheduler caller; 401 otherwise (unless switched off)."""
        scheme, _, token = (self.request.headers.get("Authorization") or "").partition(" ")
        bearer = token.strip() if scheme.lower() == "bearer" else None
        return self.services.callers.verify(bearer or None, audience=audience)

    def body(self, *, optional: bool = False) -> dict[str, Any]:
        """The JSON object in the body (`{}` for an empty optional body); 400 otherwise."""
        data = read_body(self.request, self.services.settings.max_body_bytes)
        if not data.strip() and optional:
            return {}
        too_deep = InvalidInput(
            "the body is nested too deeply", {"body": f"nested over {MAX_DEPTH} levels deep"}
        )
        try:
            parsed = json.loads(data)
        except (UnicodeDecodeError, ValueError):
            raise InvalidInput("the body is not valid JSON", {"body": "invalid JSON"}) from None
        except RecursionError:  # the decoder gives up on very deep nesting
            raise too_deep from None
        if depth(parsed) > MAX_DEPTH:
            raise too_deep
        if not isinstance(parsed, dict):
            raise InvalidInput("the body must be a JSON object", {"body": "expected an object"})
        return parsed

    def query(self, name: str) -> str | None:
        return self.request.args.get(name)


MAX_DEPTH = 16  # no body of the API nests more than 3 levels; Firestore stops at 20


def depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0), iteratively."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            todo.extend((child, level + 1) for child in item)
    return deepest


def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 beyond `limit` bytes (declared or actually sent)."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    request.max_content_length = limit + 1  # one byte more tells an oversized stream apart
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        data = None
    if data is None or len(data) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    return data


class EntryPoint:
    """One deployed function: its routes, mounted at `/<name>`."""

    def __init__(self, name: str, routes: Sequence[Route], *, browser: bool = False) -> None:
        self.name = name
        self.prefix = f"/{name}"
        self.routes = tuple(routes)
        self.browser = browser  # called from the frontend: CORS for its origin
        self.map = Map(
            [Rule(r.path, methods=list(r.methods), endpoint=r.handler) for r in routes],
            strict_slashes=False,
            merge_slashes=False,
        )

    def path_of(self, request: Request) -> str:
        """The path within the routing table, however the function is mounted.

        Cloud Functions may strip the function's name from the path or keep it; the local
        stack mounts each function at `/<name>`. Both reach the same rule.
        """
        path = request.path or "/"
        if path == self.prefix or path.startswith(self.prefix + "/"):
            return path
        return self.prefix + (path if path != "/" else "")

    def handle(self, services: Services, request: Request) -> Response:
        adapter = self.map.bind("calsync", path_info=self.path_of(request))
        origin = self._allowed_origin(services, request)
        try:
            declared = request.content_length
            if declared is not None and declared > services.settings.max_body_bytes:
                raise PayloadTooLarge("the body is too large")  # refused before anything runs
            if request.method == "OPTIONS" and origin is not None:
                response = self._preflight(adapter)
            else:
                response = self._dispatch(services, request, adapter)
        except CalsyncError as error:
            if error.status >= 500:
                log.warning("%s %s: %s (%s)", request.method, request.path, error.code, error)
            response = error_response(error)
        except HTTPException as error:
            response = http_error_response(error)
        except ValidationError as error:  # a model built from input outside `parse`
            response = error_response(InvalidInput("invalid input", field_errors(error)))
        except Exception as error:
            frames = traceback.extract_tb(error.__traceback__)
            stack = "\n".join(f"  {f.filename}:{f.lineno} in {f.name}" for f in frames)
            log.error("unexpected %s in %s %s\n%s", type(error).__name__, request.method,
                      request.path, stack)  # fmt: skip
            body = {"error": {"code": "internal", "message": "internal error"}}
            response = json_response(body, 500)
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    def _dispatch(self, services: Services, request: Request, adapter: MapAdapter) -> Response:
        endpoint, args = adapter.match(method=request.method)
        handler: Handler = endpoint
        return handler(Call(request=request, services=services, args=args))

    def _allowed_origin(self, services: Services, request: Request) -> str | None:
        origin = request.headers.get("Origin")
        if not self.browser or not origin:
            return None
        frontend = urlsplit(services.settings.frontend_url)
        return origin if origin == f"{frontend.scheme}://{frontend.netloc}" else None

    def _preflight(self, adapter: MapAdapter) -> Response:
        methods = sorted(set(adapter.allowed_methods()) - {"OPTIONS"})
        if not methods:
            return http_error_response(NotFound())
        headers = {
            "Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Max-Age": "600",
        }
        return Response(status=204, headers=headers)


def http_error_response(error: HTTPException) -> Response:
    """A werkzeug HTTP error (404, 405, 413, ...) as calsync's JSON error."""
    status = error.code or 500
    if status == 413:
        return error_response(PayloadTooLarge("the body is too large"))
    codes = {404: "not_found", 405: "method_not_allowed"}
    messages = {404: "no such route", 405: "method not allowed on this route"}
    body = {
        "error": {
            "code": codes.get(status, "http_error"),
            "message": messages.get(status, error.name.lower()),
        }
    }
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return json_response(body, status, headers)
