"""What a Calendar API handler receives (:class:`Call`) and returns (:class:`Reply`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from emulators.google import errors
from emulators.google.model import Calendar
from emulators.google.params import Params
from emulators.google.simulator import Simulator


@dataclass
class Reply:
    """A JSON reply (``body`` None means an empty body, as for 204 and 304)."""

    body: dict[str, Any] | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One authenticated Calendar API call."""

    sim: Simulator
    request: Request
    email: str
    client_id: str
    root_url: str

    @property
    def params(self) -> Params:
        return Params(self.request.args)

    def body(self) -> Any:
        """The JSON body; 400 ``parseError`` if it is not JSON."""
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise errors.ApiError(400, "parseError", "Parse Error") from exc

    def object_body(self) -> dict[str, Any]:
        body = self.body()
        if not isinstance(body, dict):
            raise errors.bad_request("The request body must be a JSON object.")
        return body

    def calendar(self, calendar_id: str, minimum: str = "freeBusyReader") -> Calendar:
        return self.sim.store.calendar(self.email, calendar_id, minimum)

    def check_if_match(self, etag: str) -> None:
        """412 ``conditionNotMet`` when ``If-Match`` names another version."""
        wanted = self.request.headers.get("If-Match")
        if wanted is not None and wanted.strip() not in ("*", etag):
            raise errors.condition_not_met()

    def not_modified(self, etag: str) -> bool:
        return self.request.headers.get("If-None-Match", "").strip() == etag
