"""Resource names: databases, documents and collections, and the order of document names.

Inside a database a document is addressed by its *relative path* (``users/u1/links/l1``), a
collection by ``(parent, collection_id)`` where ``parent`` is the relative path of the
parent document or ``""`` for the root.
"""

from __future__ import annotations

import secrets
import string
from functools import lru_cache

from emulators.firestore.errors import invalid

MAX_ID_BYTES = 1500
MAX_DEPTH = 100
_AUTO_ID_ALPHABET = string.ascii_letters + string.digits

SegmentKey = tuple[int, int | str]
PathKey = tuple[SegmentKey, ...]


def parse_database(name: str) -> str:
    """Check ``projects/{project}/databases/{database}`` and return it."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "projects" or parts[2] != "databases":
        raise invalid(f"Invalid database name {name!r}: expected projects/P/databases/D.")
    if not parts[1] or not parts[3]:
        raise invalid(f"Invalid database name {name!r}: empty project or database id.")
    return name


def split_name(name: str) -> tuple[str, str]:
    """``projects/p/databases/d/documents/a/b`` -> (``projects/p/databases/d``, ``a/b``)."""
    parts = name.split("/", 5)
    if len(parts) < 5 or parts[0] != "projects" or parts[2] != "databases" or not parts[1]:
        raise invalid(f"Invalid resource name {name!r}.")
    if parts[4] != "documents" or not parts[3]:
        raise invalid(f"Invalid resource name {name!r}: expected .../databases/D/documents/...")
    return "/".join(parts[:4]), parts[5] if len(parts) == 6 else ""


def _in_database(name: str, database: str) -> str:
    db, rel = split_name(name)
    if db != database:
        raise invalid(f"Resource {name!r} is not in the request's database {database!r}.")
    return rel


@lru_cache(maxsize=65536)
def _checked_segments(rel: str) -> int:
    segments = rel.split("/")
    if len(segments) > MAX_DEPTH:
        raise invalid(f"Path {rel!r} is deeper than {MAX_DEPTH} segments.")
    for segment in segments:
        if not segment:
            raise invalid(f"Path {rel!r} has an empty segment.")
        if segment in (".", "..") or (segment.startswith("__") and segment.endswith("__")):
            raise invalid(f"Path {rel!r}: the id {segment!r} is reserved.")
        if len(segment.encode()) > MAX_ID_BYTES:
            raise invalid(f"Path {rel!r}: an id is longer than {MAX_ID_BYTES} bytes.")
    return len(segments)


def document_path(name: str, database: str) -> str:
    """The relative path of a document name, which must be in ``database``."""
    rel = _in_database(name, database)
    if not rel or _checked_segments(rel) % 2:
        raise invalid(f"Document name {name!r} must have an even number of path segments.")
    return rel


def parent_path(name: str, database: str) -> str:
    """The relative path of a query/list parent: the database root or a document."""
    rel = _in_database(name, database)
    if rel and _checked_segments(rel) % 2:
        raise invalid(f"Parent {name!r} must be the documents root or a document name.")
    return rel


def check_collection_id(collection_id: str) -> str:
    if not collection_id or "/" in collection_id:
        raise invalid(f"Invalid collection id {collection_id!r}.")
    _checked_segments(collection_id)
    return collection_id


def check_document_id(document_id: str) -> str:
    if "/" in document_id:
        raise invalid(f"Invalid document id {document_id!r}.")
    _checked_segments(document_id)
    return document_id


def split_document(rel: str) -> tuple[str, str, str]:
    """``a/x/b/y`` -> (``a/x``, ``b``, ``y``)."""
    head, _, doc_id = rel.rpartition("/")
    parent, _, collection_id = head.rpartition("/")
    return parent, collection_id, doc_id


def join(parent: str, *segments: str) -> str:
    return "/".join((parent, *segments)) if parent else "/".join(segments)


def ancestors(rel: str) -> list[tuple[str, str, str]]:
    """Every (parent, collection_id, doc_id) strictly above the document ``rel``."""
    segments = rel.split("/")
    out = []
    for end in range(2, len(segments), 2):
        parent = "/".join(segments[: end - 2])
        out.append((parent, segments[end - 2], segments[end - 1]))
    return out


def under(parent: str, prefix: str) -> bool:
    """Is the collection parent ``parent`` at or below the document ``prefix``?"""
    return not prefix or parent == prefix or parent.startswith(prefix + "/")


def segment_key(segment: str) -> SegmentKey:
    """Numeric ids (``__id42__``) sort before string ids, strings by UTF-8 order."""
    if segment.startswith("__id") and segment.endswith("__"):
        try:
            return (0, int(segment[4:-2]))
        except ValueError:
            pass
    return (1, segment)


@lru_cache(maxsize=65536)
def path_key(path: str) -> PathKey:
    return tuple(segment_key(segment) for segment in path.split("/"))


def auto_id() -> str:
    return "".join(secrets.choice(_AUTO_ID_ALPHABET) for _ in range(20))
