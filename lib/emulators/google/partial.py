"""Partial responses: the ``fields`` parameter (``items(id,start/dateTime),nextSyncToken``)."""

from __future__ import annotations

import re
from typing import Any

from emulators.google import errors

Selection = dict[str, "Selection | None"]
MAX_DEPTH = 32
"""How deeply ``(...)`` sub-selections may nest; deeper masks are 400 (no resource is deeper)."""
_TOKEN = re.compile(r"\s*([A-Za-z0-9_.@*-]+|[(),/])")


def parse(text: str) -> Selection:
    """Parse a field mask; 400 ``invalidParameter`` if it is malformed."""
    tokens = _tokens(text)
    if _depth(tokens) > MAX_DEPTH:
        raise _bad(text, f"nested more than {MAX_DEPTH} levels deep")
    selection, rest = _list(tokens)
    if rest:
        raise _bad(text)
    return selection


def apply(value: Any, selection: Selection) -> Any:
    """Keep only the selected fields of ``value`` (lists are filtered item by item)."""
    if isinstance(value, list):
        return [apply(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in selection:
        return value
    kept: dict[str, Any] = {}
    for key, sub in selection.items():
        if key in value:
            kept[key] = value[key] if sub is None else apply(value[key], sub)
    return kept


def _tokens(text: str) -> list[str]:
    found, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _bad(text)
        found.append(match.group(1))
        position = match.end()
    return found


def _depth(tokens: list[str]) -> int:
    deepest = level = 0
    for token in tokens:
        level += {"(": 1, ")": -1}.get(token, 0)
        deepest = max(deepest, level)
    return deepest


def _list(tokens: list[str]) -> tuple[Selection, list[str]]:
    selection: Selection = {}
    while True:
        if not tokens or tokens[0] in "(),/":
            raise _bad("".join(tokens))
        path = [tokens.pop(0)]
        while tokens and tokens[0] == "/":
            tokens.pop(0)
            if not tokens or tokens[0] in "(),/":
                raise _bad("".join(tokens))
            path.append(tokens.pop(0))
        sub: Selection | None = None
        if tokens and tokens[0] == "(":
            sub, tokens = _list(tokens[1:])
            if not tokens or tokens[0] != ")":
                raise _bad("".join(tokens))
            tokens = tokens[1:]
        _merge(selection, path, sub)
        if not tokens or tokens[0] != ",":
            return selection, tokens
        tokens = tokens[1:]


def _merge(selection: Selection, path: list[str], sub: Selection | None) -> None:
    head, *rest = path
    if not rest:
        existing = selection.get(head)
        if head in selection and existing is None:
            return
        selection[head] = sub if sub is None or existing is None else {**existing, **sub}
        return
    child = selection.get(head)
    if head in selection and child is None:
        return
    child = child or {}
    _merge(child, rest, sub)
    selection[head] = child


def _bad(text: str, why: str = "") -> errors.ApiError:
    return errors.ApiError(
        400,
        "invalidParameter",
        f"Invalid field selection {text[:60]}" + (f" ({why})" if why else ""),
        location="fields",
        location_type="parameter",
    )
