"""What a Calendar API handler receives (:class:`Call`) and returns (:class:`Reply`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from emulators.google import errors
from emulators.google.model import Calendar
from emulators.google.params import Params
from emulators.google.simulator import Simulator

_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_JSON_DEPTH = 64
"""How deeply a request body may nest arrays and objects (no resource comes near it)."""


def parse_json(raw: bytes) -> Any:
    """A request body as JSON (``{}`` if empty); 400 ``parseError`` if it is not strict JSON.

    ``NaN``/``Infinity`` (which Python would accept), lone surrogates (``"\\ud800"``, not
    Unicode) and bodies nested deeper than :data:`MAX_JSON_DEPTH` are refused too, so no handler
    meets them.
    """
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise errors.ApiError(400, "parseError", "Parse Error") from exc
    problem = _structure_problem(value)
    if problem:
        raise errors.ApiError(400, "parseError", f"Parse Error: {problem}")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _structure_problem(value: Any) -> str | None:
    pending = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return "a string holds a lone surrogate (not Unicode)"
        elif isinstance(item, dict | list):
            if level > MAX_JSON_DEPTH:
                return f"nested more than {MAX_JSON_DEPTH} levels deep"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return None


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
        """The JSON body (``{}`` if empty); 400 ``parseError`` if it is not JSON."""
        return parse_json(self.request.get_data(cache=True))

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
