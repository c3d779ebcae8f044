"""Firestore values: the cross-type order, equality, field access and write-time validation.

The order is the one the service documents: null < booleans < numbers (NaN first, integers
and doubles compared by value) < timestamps < strings (UTF-8) < bytes < references <
geo points < arrays < vectors < maps. :func:`key` maps a ``Value`` to a Python tuple with
exactly that order, so sorting, cursors and equality all use plain tuple comparison
(``3 == 3.0``; NaN equals NaN; ``0.0 == -0.0``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from google.cloud.firestore_v1.types import document

from emulators.firestore.errors import invalid
from emulators.firestore.paths import document_path, path_key
from emulators.rpc import RpcError

Value = Any  # the protobuf class of google.firestore.v1.Value (generated, untyped)
Key = tuple[Any, ...]

ValuePb = document.Value.pb()
MapValuePb = document.MapValue.pb()
ArrayValuePb = document.ArrayValue.pb()

NULL_RANK, BOOL_RANK, NUMBER_RANK, TIMESTAMP_RANK, STRING_RANK = 0, 1, 2, 3, 4
BYTES_RANK, REFERENCE_RANK, GEO_RANK, ARRAY_RANK, VECTOR_RANK, MAP_RANK = 5, 6, 7, 8, 9, 10
NAN_KEY: Key = (NUMBER_RANK, 0)
MAX_DEPTH = 20
MIN_SECONDS, MAX_SECONDS = -62135596800, 253402300799  # 0001-01-01 .. 9999-12-31T23:59:59
_DOCUMENT_KINDS = frozenset(
    {
        "null_value",
        "boolean_value",
        "integer_value",
        "double_value",
        "timestamp_value",
        "string_value",
        "bytes_value",
        "reference_value",
        "geo_point_value",
        "array_value",
        "map_value",
    }
)


def _double_key(v: Value) -> Key:
    d = v.double_value
    return NAN_KEY if math.isnan(d) else (NUMBER_RANK, 1, d)


def _map_key(v: Value) -> Key:
    fields = v.map_value.fields
    if is_vector(v):
        elements = fields["value"].array_value.values
        return (VECTOR_RANK, len(elements), tuple(key(e) for e in elements))
    return (MAP_RANK, tuple(sorted((name, key(item)) for name, item in fields.items())))


_KEYS: dict[str | None, Callable[[Value], Key]] = {
    "null_value": lambda v: (NULL_RANK,),
    "boolean_value": lambda v: (BOOL_RANK, v.boolean_value),
    "integer_value": lambda v: (NUMBER_RANK, 1, v.integer_value),
    "double_value": _double_key,
    "timestamp_value": lambda v: (
        TIMESTAMP_RANK,
        v.timestamp_value.seconds,
        v.timestamp_value.nanos,
    ),
    "string_value": lambda v: (STRING_RANK, v.string_value),
    "bytes_value": lambda v: (BYTES_RANK, v.bytes_value),
    "reference_value": lambda v: (REFERENCE_RANK, path_key(v.reference_value)),
    "geo_point_value": lambda v: (
        GEO_RANK,
        v.geo_point_value.latitude,
        v.geo_point_value.longitude,
    ),
    "array_value": lambda v: (ARRAY_RANK, tuple(key(e) for e in v.array_value.values)),
    "map_value": _map_key,
}


def key(value: Value) -> Key:
    """The sort/equality key of a value (see the module docstring)."""
    kind = value.WhichOneof("value_type")
    try:
        return _KEYS[kind](value)
    except KeyError:
        raise invalid(f"Unsupported value type {kind!r} in a document or query.") from None


def kind(value: Value) -> str | None:
    name: str | None = value.WhichOneof("value_type")
    return name


def is_vector(value: Value) -> bool:
    if value.WhichOneof("value_type") != "map_value":
        return False
    fields = value.map_value.fields
    marker = fields.get("__type__")
    return (
        marker is not None
        and marker.WhichOneof("value_type") == "string_value"
        and marker.string_value == "__vector__"
        and "value" in fields
    )


def is_number(value: Value) -> bool:
    return value.WhichOneof("value_type") in ("integer_value", "double_value")


def get_path(fields: Mapping[str, Value], segments: Sequence[str]) -> Value | None:
    """The value at a nested field path, or None when any step is missing or not a map."""
    value: Value = None
    for index, segment in enumerate(segments):
        if index:
            if value.WhichOneof("value_type") != "map_value":
                return None
            fields = value.map_value.fields
        if segment not in fields:
            return None
        value = fields[segment]
    return value


def check_query_value(value: Value, what: str) -> Value:
    """A value inside a filter or cursor must be a plain document value."""
    kind_ = value.WhichOneof("value_type")
    if kind_ not in _DOCUMENT_KINDS:
        raise invalid(f"{what}: unsupported value type {kind_!r}.")
    if kind_ == "array_value":
        for element in value.array_value.values:
            check_query_value(element, what)
    elif kind_ == "map_value":
        for element in value.map_value.fields.values():
            check_query_value(element, what)
    return value


def check_field_name(name: str) -> None:
    if not name:
        raise invalid("Field names cannot be empty.")
    if name.startswith("__") and name.endswith("__"):
        raise invalid(f"Field name {name!r} is reserved (names matching __.*__ are).")
    if len(name.encode()) > 1500:
        raise invalid("Field names cannot exceed 1,500 bytes.")


def check_fields(fields: Mapping[str, Value], database: str, depth: int = 1) -> None:
    """Validate (and normalise) written fields: names, types, ranges and nesting."""
    vector = "__type__" in fields and fields["__type__"].string_value == "__vector__"
    for name, value in fields.items():
        if not (vector and name == "__type__"):
            check_field_name(name)
        _check_value(value, database, depth, f"field {name!r}")


def _check_value(value: Value, database: str, depth: int, where: str) -> None:
    if depth > MAX_DEPTH:
        raise invalid(f"{where}: maps and arrays cannot be nested deeper than {MAX_DEPTH}.")
    kind_ = value.WhichOneof("value_type")
    if kind_ is None:
        raise invalid(f"{where}: a value must have a type.")
    if kind_ not in _DOCUMENT_KINDS:
        raise invalid(f"{where}: {kind_!r} cannot be stored in a document.")
    if kind_ == "map_value":
        check_fields(value.map_value.fields, database, depth + 1)
    elif kind_ == "array_value":
        for element in value.array_value.values:
            if element.WhichOneof("value_type") == "array_value":
                raise invalid(f"{where}: an array cannot directly contain another array.")
            _check_value(element, database, depth + 1, where)
    elif kind_ == "timestamp_value":
        ts = value.timestamp_value
        if not MIN_SECONDS <= ts.seconds <= MAX_SECONDS or not 0 <= ts.nanos < 1_000_000_000:
            raise invalid(f"{where}: timestamp out of range.")
        ts.nanos -= ts.nanos % 1000  # Firestore keeps microseconds
    elif kind_ == "geo_point_value":
        point = value.geo_point_value
        if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
            raise invalid(f"{where}: latitude/longitude out of range.")
    elif kind_ == "reference_value":
        _check_reference(value.reference_value, database, where)


def _check_reference(name: str, database: str, where: str) -> None:
    try:
        document_path(name, database)
    except RpcError as error:
        raise invalid(f"{where}: {name!r} is not a document of this database.") from error
