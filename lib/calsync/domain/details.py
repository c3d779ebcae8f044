"""The deal/contact block: what the event description says about the activity's linked items.

When the account's "include deal and contact information" option is on, calsync appends a block
to the event description: a delimiter line, then the names of the linked deal, person and
organization, each with a link back to the CRM. The block is calsync's, not the user's: reading
an event back, everything from the delimiter on is dropped, so its text never lands in the CRM
(and a user's edits inside it are overwritten by the next push).
"""

from __future__ import annotations

from collections.abc import Mapping

from calsync.domain.activity import LinkedItem, LinkedItemKind

DELIMITER = "-- CRM details (kept by calsync; edits below this line are replaced) --"
_PATHS = {
    LinkedItemKind.DEAL: ("Deal", "deals"),
    LinkedItemKind.PERSON: ("Person", "persons"),
    LinkedItemKind.ORGANIZATION: ("Organization", "organizations"),
}
_SEPARATOR = "\n\n" + DELIMITER


def render_block(items: Mapping[LinkedItemKind, LinkedItem], crm_base_url: str) -> str:
    """The block for `items` (deal, person, organization, in that order); "" if none."""
    base = crm_base_url.rstrip("/")
    lines = []
    for kind, (label, path) in _PATHS.items():
        item = items.get(kind)
        if item is not None:
            lines.append(f"{label}: {item.name} - {base}/{path}/{item.id}")
    return "\n".join(lines)


def with_block(public_description: str, block: str) -> str:
    """The event description: the public description, then the block (if any)."""
    if not block:
        return public_description
    if not public_description:
        return f"{DELIMITER}\n{block}"
    return f"{public_description}{_SEPARATOR}\n{block}"


def split_block(description: str) -> tuple[str, str]:
    """An event description as (public part, calsync's block); the block is "" if absent."""
    if description.startswith(DELIMITER + "\n") or description == DELIMITER:
        return "", description[len(DELIMITER) + 1 :]
    public, found, block = description.rpartition(_SEPARATOR)
    if not found:
        return description, ""
    return public, block.removeprefix("\n")


def without_block(description: str) -> str:
    """The public part of an event description: everything before calsync's block."""
    return split_block(description)[0]
