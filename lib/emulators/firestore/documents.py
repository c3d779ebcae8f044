"""One write applied to one document: update masks, nested field paths and field transforms.

Documents are the protobuf ``google.firestore.v1.Document`` itself, never mutated once
stored: every write builds a new one, so older versions can be kept for ``read_time`` reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping, Sequence
from functools import lru_cache
from typing import Any

from google.cloud.firestore_v1.field_path import parse_field_path
from google.cloud.firestore_v1.types import document, write

from emulators.firestore import values
from emulators.firestore.errors import invalid
from emulators.firestore.values import ValuePb

DocumentPb = document.Document.pb()
WritePb = write.Write.pb()
Document = Any  # google.firestore.v1.Document (generated protobuf class)
Transform = Any  # google.firestore.v1.DocumentTransform.FieldTransform
Fields = MutableMapping[str, Any]

INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)
REQUEST_TIME = 1
_NAME = "__name__"


@lru_cache(maxsize=16384)
def field_segments(path: str) -> tuple[str, ...]:
    """Parse a dotted/back-quoted field path (``a.b``, ``a.`x.y```) into its names."""
    try:
        segments = tuple(parse_field_path(path))
    except ValueError:
        raise invalid(f"Invalid field path {path!r}.") from None
    if not segments or any(not segment for segment in segments):
        raise invalid(f"Invalid field path {path!r}.")
    return segments


def written_segments(path: str) -> tuple[str, ...]:
    """A field path that a write may name: no reserved names."""
    segments = field_segments(path)
    for segment in segments:
        values.check_field_name(segment)
    return segments


def set_micros(timestamp: Any, micros: int) -> None:
    timestamp.seconds, rest = divmod(micros, 1_000_000)
    timestamp.nanos = rest * 1000


def micros(timestamp: Any) -> int:
    return int(timestamp.seconds) * 1_000_000 + int(timestamp.nanos) // 1000


def set_path(fields: Fields, segments: Sequence[str], value: Any) -> None:
    """Set a nested field, turning missing or non-map intermediate fields into maps."""
    for segment in segments[:-1]:
        child = fields[segment]
        if child.WhichOneof("value_type") != "map_value":
            child.Clear()
            child.map_value.SetInParent()
        fields = child.map_value.fields
    fields[segments[-1]].CopyFrom(value)


def delete_path(fields: Fields, segments: Sequence[str]) -> None:
    for segment in segments[:-1]:
        child = fields.get(segment)
        if child is None or child.WhichOneof("value_type") != "map_value":
            return
        fields = child.map_value.fields
    if segments[-1] in fields:
        del fields[segments[-1]]


def project(doc: Document, paths: Sequence[tuple[str, ...]]) -> Document:
    """A copy of ``doc`` keeping only the given field paths (a DocumentMask / select)."""
    out = DocumentPb(name=doc.name)
    if doc.HasField("create_time"):
        out.create_time.CopyFrom(doc.create_time)
        out.update_time.CopyFrom(doc.update_time)
    for segments in paths:
        if segments == (_NAME,):
            continue
        found = values.get_path(doc.fields, segments)
        if found is not None:
            set_path(out.fields, segments, found)
    return out


def masked(doc: Document, request: Any) -> Document:
    """``doc`` limited to the request's ``mask`` field paths, when it has one."""
    if not request.HasField("mask"):
        return doc
    return project(doc, [field_segments(path) for path in request.mask.field_paths])


def apply_update(current: Document | None, w: Any, mask: Sequence[tuple[str, ...]] | None) -> Any:
    """The document after ``w.update`` (replace, or merge under ``mask``), without times."""
    if mask is None:
        new = DocumentPb()
        new.CopyFrom(w.update)
        return new
    new = DocumentPb(name=w.update.name)
    if current is not None:
        new.fields.MergeFrom(current.fields)
    for segments in mask:
        found = values.get_path(w.update.fields, segments)
        if found is None:
            delete_path(new.fields, segments)
        else:
            set_path(new.fields, segments, found)
    return new


def apply_transforms(
    fields: Fields, transforms: Sequence[tuple[tuple[str, ...], Transform]], now_us: int
) -> list[Any]:
    """Apply field transforms in order; return their ``transform_results``."""
    results = []
    for segments, transform in transforms:
        current = values.get_path(fields, segments)
        new, result = _transform(transform, current, now_us)
        set_path(fields, segments, new)
        results.append(result)
    return results


def check_transform(transform: Transform, database: str) -> None:
    kind = transform.WhichOneof("transform_type")
    if kind == "set_to_server_value":
        if transform.set_to_server_value != REQUEST_TIME:
            raise invalid("The only server value is REQUEST_TIME.")
    elif kind in ("increment", "maximum", "minimum"):
        if not values.is_number(getattr(transform, kind)):
            raise invalid(f"The operand of {kind} must be an integer or a double.")
    elif kind in ("append_missing_elements", "remove_all_from_array"):
        array = getattr(transform, kind)
        holder = ValuePb()
        holder.array_value.CopyFrom(array)
        values.check_fields({"operand": holder}, database)
        array.CopyFrom(holder.array_value)
    else:
        raise invalid(f"Field transform on {transform.field_path!r} has no transform type.")


def _transform(transform: Transform, current: Any, now_us: int) -> tuple[Any, Any]:
    kind = transform.WhichOneof("transform_type")
    if kind == "set_to_server_value":
        stamp = ValuePb()
        set_micros(stamp.timestamp_value, now_us)
        return stamp, stamp
    if kind in ("increment", "maximum", "minimum"):
        operand = getattr(transform, kind)
        if current is None or not values.is_number(current):
            return operand, operand
        new = _NUMERIC[kind](current, operand)
        return new, new
    null = ValuePb(null_value=0)
    existing = []
    if current is not None and current.WhichOneof("value_type") == "array_value":
        existing = list(current.array_value.values)
    operands = getattr(transform, kind).values
    out = ValuePb()
    out.array_value.SetInParent()
    if kind == "append_missing_elements":
        seen = {values.key(element) for element in existing}
        out.array_value.values.extend(existing)
        for element in operands:
            element_key = values.key(element)
            if element_key not in seen:
                seen.add(element_key)
                out.array_value.values.append(element)
    else:
        drop = {values.key(element) for element in operands}
        out.array_value.values.extend(e for e in existing if values.key(e) not in drop)
    return out, null


def _number(value: Any) -> int | float:
    if value.WhichOneof("value_type") == "integer_value":
        return int(value.integer_value)
    return float(value.double_value)


def _increment(current: Any, operand: Any) -> Any:
    a, b = _number(current), _number(operand)
    if isinstance(a, int) and isinstance(b, int):
        return ValuePb(integer_value=max(INT64_MIN, min(INT64_MAX, a + b)))
    return ValuePb(double_value=float(a) + float(b))


def _pick(current: Any, operand: Any, want_larger: bool) -> Any:
    a, b = _number(current), _number(operand)
    if isinstance(a, float) and math.isnan(a):
        return current
    if isinstance(b, float) and math.isnan(b):
        return operand
    better = b > a if want_larger else b < a
    return operand if better else current


_NUMERIC: dict[str, Callable[[Any, Any], Any]] = {
    "increment": _increment,
    "maximum": lambda current, operand: _pick(current, operand, want_larger=True),
    "minimum": lambda current, operand: _pick(current, operand, want_larger=False),
}
