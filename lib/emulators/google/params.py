"""Typed access to query parameters, refusing bad values with Google's 400s."""

from __future__ import annotations

from datetime import datetime

from werkzeug.datastructures import MultiDict

from emulators.google import errors
from emulators.google.timefmt import parse_instant


class Params:
    """The query string of one call (repeated parameters are repeated keys, as the client sends)."""

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.args = args

    def as_lists(self) -> dict[str, list[str]]:
        return {key: self.args.getlist(key) for key in self.args}

    def has(self, name: str) -> bool:
        return name in self.args

    def text(self, name: str) -> str | None:
        return self.args.get(name)

    def texts(self, name: str) -> list[str]:
        return self.args.getlist(name)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.args.get(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise errors.invalid(f"Invalid boolean value for {name}: {value[:40]!r}", name)
        return value.lower() == "true"

    def number(self, name: str, default: int, low: int, high: int | None = None) -> int:
        """An integer at least ``low``; values above ``high`` are clamped, as Google does."""
        value = self.args.get(name)
        if value is None:
            return default
        try:
            parsed = int(value)
        except ValueError as exc:
            raise errors.invalid(f"Invalid value for {name}: {value[:40]!r}", name) from exc
        if parsed < low:
            raise errors.invalid(f"Invalid value for {name}: {parsed}", name)
        return min(parsed, high) if high is not None else parsed

    def instant(self, name: str) -> datetime | None:
        value = self.args.get(name)
        return None if value is None else parse_instant(value, name)

    def choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        value = self.args.get(name)
        if value is not None and value not in allowed:
            raise errors.invalid(f"Invalid value for {name}: {value[:40]!r}", name)
        return value
