"""The emulator's HTTP side: the OIDC signing keys and an admin interface for tests.

- ``GET /oauth2/v1/certs``: ``{key id: PEM certificate}``, for
  ``google.oauth2.id_token.verify_token(token, request, audience, certs_url=...)``;
- ``GET /oauth2/v3/certs``: the same key as a JWK set;
- ``GET /.well-known/openid-configuration``: the issuer and the JWKS URL;
- ``GET /admin/stats``: counters (``totals``, per-queue ``queues``) and ``live`` queue sizes;
- ``POST /admin/reset``: forget all queues, tasks, tombstones and counters; restore settings;
- ``GET /admin/config`` / ``POST /admin/config``: read or change settings (a JSON object with
  any of ``duplicate_rate``, ``tombstone_seconds``, ``queue_tombstone_seconds``,
  ``min_dispatch_deadline_seconds``).
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators.cloudtasks.oidc import ISSUER, TokenIssuer
from emulators.cloudtasks.settings import Settings
from emulators.cloudtasks.state import State


class AdminApp:
    """A WSGI application over the emulator's state and token issuer."""

    def __init__(self, state: State, issuer: TokenIssuer) -> None:
        self._state = state
        self._issuer = issuer
        self._routes = Map(
            [
                Rule("/oauth2/v1/certs", endpoint="pem", methods=["GET"]),
                Rule("/oauth2/v3/certs", endpoint="jwks", methods=["GET"]),
                Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
                Rule("/admin/stats", endpoint="stats", methods=["GET"]),
                Rule("/admin/reset", endpoint="reset", methods=["POST"]),
                Rule("/admin/config", endpoint="config", methods=["GET", "POST"]),
            ]
        )

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, _ = self._routes.bind_to_environ(environ).match()
            body = getattr(self, f"_{endpoint}")(request)
            response = _json(body)
        except HTTPException as error:
            response = _json({"error": error.description}, error.code or 500)
        return response(environ, start_response)

    def _pem(self, _: Request) -> object:
        return self._issuer.pem_certificates()

    def _jwks(self, _: Request) -> object:
        return self._issuer.jwks()

    def _discovery(self, request: Request) -> object:
        return {
            "issuer": ISSUER,
            "jwks_uri": f"{request.host_url}oauth2/v3/certs",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def _stats(self, _: Request) -> object:
        return self._state.stats()

    def _reset(self, _: Request) -> object:
        self._state.reset()
        return {"reset": True}

    def _config(self, request: Request) -> object:
        state = self._state
        if request.method == "POST":
            changes = request.get_json(force=True, silent=True)
            if not isinstance(changes, dict):
                raise BadRequest("expected a JSON object of settings")
            with state.cond:
                try:
                    merged = state.settings.model_dump() | changes
                    state.settings = Settings.model_validate(merged)
                except pydantic.ValidationError as error:
                    raise BadRequest(_describe(error)) from None
                state.cond.notify_all()
        with state.cond:
            return state.settings.model_dump()


def _describe(error: pydantic.ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body, indent=1), status=status, mimetype="application/json")
