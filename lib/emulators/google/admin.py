"""``/_admin``: test and demo control (no authentication; the simulator is local only).

See the README for the JSON of each endpoint. Errors use the Calendar API's error shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from werkzeug.wrappers import Request, Response

from emulators.google import errors
from emulators.google.calls import parse_json
from emulators.google.config import GOOGLE_UI_CLIENT_ID
from emulators.google.faults import Faults
from emulators.google.grants import EMAIL_SCOPE, PROFILE_SCOPE, normalise_scopes
from emulators.google.oauth import json_response
from emulators.google.simulator import Simulator


class AdminEndpoints:
    """Handlers for every ``/_admin`` path (named ``admin.*`` in the routes)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def handle(self, name: str, request: Request, args: dict[str, str]) -> Response:
        handler = getattr(self, "_" + name.removeprefix("admin."))
        try:
            status, body = handler(request, **args)
        except errors.ApiError as error:
            return json_response(error.body(), error.status)
        return json_response(body, status)

    def _reset(self, request: Request) -> tuple[int, dict[str, Any]]:
        self.sim.reset()
        return 200, {"reset": True}

    def _list_users(self, request: Request) -> tuple[int, dict[str, Any]]:
        with self.sim.store.lock:
            return 200, {"users": [self._user(email) for email in sorted(self.sim.store.users)]}

    def _create_user(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = _object(request)
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise errors.invalid("name must be a string.")
        with self.sim.store.lock:
            user, created = self.sim.store.ensure_user(body.get("email"), name)
            return (201 if created else 200), self._user(user.email)

    def _user(self, email: str) -> dict[str, Any]:
        user = self.sim.store.user(email)
        return {
            "email": user.email,
            "sub": user.sub,
            "name": user.name,
            "primaryCalendarId": user.email,
        }

    def _token(self, request: Request, email: str) -> tuple[int, dict[str, Any]]:
        body = _object(request)
        scopes = body.get("scopes")
        if scopes is None:
            chosen = set(self.sim.discovery.known_scopes) | {"openid", EMAIL_SCOPE, PROFILE_SCOPE}
        elif isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
            chosen = set(normalise_scopes(" ".join(scopes)))
        else:
            raise errors.invalid("scopes must be a list of strings.")
        with self.sim.store.lock:
            user = self.sim.store.user(email)
        grants = self.sim.grants
        grant = grants.grant(user.email, GOOGLE_UI_CLIENT_ID, frozenset(chosen), offline=False)
        token = grants.issue(grant)
        return 200, {
            "access_token": token.token,
            "expires_in": self.sim.config.access_token_ttl,
            "token_type": "Bearer",
            "scope": " ".join(sorted(token.scopes)),
        }

    def _revoke(self, request: Request, email: str) -> tuple[int, dict[str, Any]]:
        with self.sim.store.lock:
            user = self.sim.store.user(email)
        return 200, {"email": user.email, "revoked": self.sim.grants.revoke_user(user.email)}

    def _expire_tokens(self, request: Request, email: str) -> tuple[int, dict[str, Any]]:
        with self.sim.store.lock:
            user = self.sim.store.user(email)
        return 200, {"email": user.email, "expired": self.sim.grants.expire_user(user.email)}

    def _invalidate(self, request: Request, calendar_id: str) -> tuple[int, dict[str, Any]]:
        with self.sim.store.lock:
            calendar = self.sim.store.calendars.get(calendar_id)
            if calendar is None:
                raise errors.not_found(f"No such calendar: {calendar_id}")
            calendar.epoch += 1
            return 200, {"calendarId": calendar.id, "invalidated": True}

    def _get_faults(self, request: Request) -> tuple[int, dict[str, Any]]:
        return 200, self.sim.control.faults.model_dump(by_alias=True)

    def _set_faults(self, request: Request) -> tuple[int, dict[str, Any]]:
        try:
            faults = Faults.model_validate(_object(request))
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise errors.invalid(f"Invalid faults: {details}") from exc
        self.sim.control.set_faults(faults)
        return 200, faults.model_dump(by_alias=True)

    def _clear_faults(self, request: Request) -> tuple[int, dict[str, Any]]:
        self.sim.control.set_faults(Faults())
        return 200, Faults().model_dump(by_alias=True)

    def _stats(self, request: Request) -> tuple[int, dict[str, Any]]:
        return 200, self.sim.control.stats()

    def _reset_stats(self, request: Request) -> tuple[int, dict[str, Any]]:
        self.sim.control.reset_stats()
        return 200, self.sim.control.stats()

    def _channels(self, request: Request) -> tuple[int, dict[str, Any]]:
        live = [c for c in list(self.sim.push.channels.values()) if c.live]
        return 200, {
            "channels": [
                {
                    **c.resource(),
                    "calendarId": c.calendar_id,
                    "address": c.address,
                    "email": c.email,
                }
                for c in live
            ]
        }


def _object(request: Request) -> dict[str, Any]:
    body = parse_json(request.get_data())
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    return body
