"""Query filters: validation against the service's rules, and evaluation on documents.

A compiled filter is a predicate ``(document, name_key) -> bool``. Semantics follow the
service: a document lacking the field never matches (not even ``!=`` or ``not-in``);
``!=`` and ``not-in`` also skip null; range operators only compare values of the same type
(numbers with numbers, strings with strings...) and never match NaN.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.firestore import paths, values
from emulators.firestore.documents import Document, field_segments
from emulators.firestore.errors import invalid
from emulators.firestore.values import NAN_KEY, Key

Predicate = Callable[[Document, paths.PathKey], bool]
Getter = Callable[[Document, paths.PathKey], Key | None]
NAME = ("__name__",)
MAX_DISJUNCTIONS = 30

LT, LTE, GT, GTE, EQ, NE, ARRAY_CONTAINS, IN, ANY, NOT_IN = range(1, 11)
IS_NAN, IS_NULL, IS_NOT_NAN, IS_NOT_NULL = 2, 3, 4, 5
AND, OR = 1, 2
_RANGE = {LT, LTE, GT, GTE}
_NEGATIVE = {NE, NOT_IN}
_NEGATIVE_UNARY = {IS_NOT_NAN, IS_NOT_NULL}
_LIST_OPS = {IN, NOT_IN, ANY}
_COMPARE: dict[int, Callable[[Key, Key], bool]] = {
    LT: lambda a, b: a < b,
    LTE: lambda a, b: a <= b,
    GT: lambda a, b: a > b,
    GTE: lambda a, b: a >= b,
}


@dataclass
class FilterInfo:
    """What the query planner needs to know about a filter tree."""

    inequality_fields: list[tuple[str, ...]] = field(default_factory=list)
    negatives: int = 0
    operators: set[int] = field(default_factory=set)
    has_or: bool = False


def getter(segments: tuple[str, ...]) -> Getter:
    """Read the sort key of a field (or ``__name__``) from a document."""
    if segments == NAME:
        return lambda doc, name_key: (values.REFERENCE_RANK, name_key)
    if len(segments) == 1:
        top = segments[0]

        def get_top(doc: Document, name_key: paths.PathKey) -> Key | None:
            found = doc.fields.get(top)
            return None if found is None else values.key(found)

        return get_top

    def get_nested(doc: Document, name_key: paths.PathKey) -> Key | None:
        found = values.get_path(doc.fields, segments)
        return None if found is None else values.key(found)

    return get_nested


def name_key_of(value: Any, database: str, what: str) -> Key:
    """The key of a reference used against ``__name__`` (relative to the database)."""
    if values.kind(value) != "reference_value":
        raise invalid(f"{what}: a filter or cursor on __name__ needs a reference value.")
    db, rel = paths.split_name(value.reference_value)
    if db != database or not rel:
        raise invalid(f"{what}: {value.reference_value!r} is not a document of this database.")
    if len(rel.split("/")) % 2:
        raise invalid(
            f"{what}: {value.reference_value!r} names a collection; a value compared with "
            "__name__ must name a document."
        )
    return (values.REFERENCE_RANK, paths.path_key(rel))


def compile_filter(pb: Any, database: str, info: FilterInfo) -> Predicate:
    kind = pb.WhichOneof("filter_type")
    if kind == "composite_filter":
        return _composite(pb.composite_filter, database, info)
    if kind == "field_filter":
        return _field(pb.field_filter, database, info)
    if kind == "unary_filter":
        return _unary(pb.unary_filter, info)
    raise invalid("A filter must be a composite, field or unary filter.")


def check_rules(pb: Any, info: FilterInfo) -> None:
    """The combination rules the service enforces on a whole ``where`` clause."""
    if info.negatives > 1:
        raise invalid(
            "Only one of NOT_EQUAL, NOT_IN, IS_NOT_NULL, IS_NOT_NAN is allowed per query."
        )
    if NOT_IN in info.operators and (info.has_or or info.operators & {IN, ANY}):
        raise invalid("NOT_IN cannot be combined with OR, IN or ARRAY_CONTAINS_ANY.")
    if _disjunctions(pb) > MAX_DISJUNCTIONS:
        raise invalid(f"A query cannot have more than {MAX_DISJUNCTIONS} disjunctions.")
    for conjunction in _dnf(pb):
        ops = [leaf.op for leaf in conjunction]
        if ops.count(ARRAY_CONTAINS) + ops.count(ANY) > 1:
            raise invalid("Only one ARRAY_CONTAINS or ARRAY_CONTAINS_ANY per disjunction.")


def _composite(pb: Any, database: str, info: FilterInfo) -> Predicate:
    if not pb.filters:
        raise invalid("A composite filter needs at least one filter.")
    if pb.op not in (AND, OR):
        raise invalid("A composite filter's operator must be AND or OR.")
    parts = [compile_filter(child, database, info) for child in pb.filters]
    if len(parts) == 1:
        return parts[0]
    if pb.op == OR:
        info.has_or = True
        return lambda doc, name: any(part(doc, name) for part in parts)
    return lambda doc, name: all(part(doc, name) for part in parts)


def _field(pb: Any, database: str, info: FilterInfo) -> Predicate:
    op, segments = pb.op, field_segments(pb.field.field_path)
    if not LT <= op <= NOT_IN:
        raise invalid(f"Invalid field filter operator on {pb.field.field_path!r}.")
    info.operators.add(op)
    if op in _RANGE or op in _NEGATIVE:
        info.inequality_fields.append(segments)
    info.negatives += op in _NEGATIVE
    what = f"Filter on {pb.field.field_path!r}"
    value = values.check_query_value(pb.value, what)
    to_key: Callable[[Any], Key] = values.key
    if segments == NAME:
        if op in (ARRAY_CONTAINS, ANY):
            raise invalid(f"{what}: __name__ cannot be used with array operators.")
        to_key = lambda v: name_key_of(v, database, what)  # noqa: E731
    if op in _LIST_OPS:
        keys = frozenset(to_key(element) for element in _list_operand(value, op, what))
        return _field_predicate(op, getter(segments), None, keys, segments)
    return _field_predicate(op, getter(segments), to_key(value), frozenset(), segments)


def _list_operand(value: Any, op: int, what: str) -> list[Any]:
    elements = list(value.array_value.values) if values.kind(value) == "array_value" else []
    if not elements:
        raise invalid(f"{what}: IN, NOT_IN and ARRAY_CONTAINS_ANY need a non-empty array.")
    if op == NOT_IN and len(elements) > 10:
        raise invalid(f"{what}: NOT_IN accepts at most 10 values.")
    return elements


def _field_predicate(
    op: int, get: Getter, target: Key | None, keys: frozenset[Key], segments: tuple[str, ...]
) -> Predicate:
    if op == EQ:
        return lambda doc, name: get(doc, name) == target
    if op == IN:
        return lambda doc, name: get(doc, name) in keys
    if op in (NE, NOT_IN):
        excluded = keys if op == NOT_IN else frozenset([target])

        def negative(doc: Document, name: paths.PathKey) -> bool:
            found = get(doc, name)
            return found is not None and found[0] != values.NULL_RANK and found not in excluded

        return negative
    if op in _RANGE:
        assert target is not None
        compare, rank = _COMPARE[op], target[0]
        if target == NAN_KEY:
            return lambda doc, name: False

        def ranged(doc: Document, name: paths.PathKey) -> bool:
            found = get(doc, name)
            return (
                found is not None
                and found[0] == rank
                and found != NAN_KEY
                and compare(found, target)
            )

        return ranged
    wanted = keys if op == ANY else frozenset([target])

    def contains(doc: Document, name: paths.PathKey) -> bool:
        found = values.get_path(doc.fields, segments)
        if found is None or values.kind(found) != "array_value":
            return False
        return any(values.key(element) in wanted for element in found.array_value.values)

    return contains


def _unary(pb: Any, info: FilterInfo) -> Predicate:
    op, segments = pb.op, field_segments(pb.field.field_path)
    if op not in (IS_NAN, IS_NULL, IS_NOT_NAN, IS_NOT_NULL):
        raise invalid(f"Invalid unary filter operator on {pb.field.field_path!r}.")
    if segments == NAME:
        raise invalid("Unary filters cannot be applied to __name__.")
    info.operators.add(100 + op)
    if op in _NEGATIVE_UNARY:
        info.negatives += 1
        info.inequality_fields.append(segments)
    get = getter(segments)
    null_key: Key = (values.NULL_RANK,)
    tests: dict[int, Callable[[Key | None], bool]] = {
        IS_NAN: lambda k: k == NAN_KEY,
        IS_NULL: lambda k: k == null_key,
        IS_NOT_NAN: lambda k: k is not None and k not in (NAN_KEY, null_key),
        IS_NOT_NULL: lambda k: k is not None and k != null_key,
    }
    test = tests[op]
    return lambda doc, name: test(get(doc, name))


def _disjunctions(pb: Any) -> int:
    kind = pb.WhichOneof("filter_type")
    if kind == "composite_filter":
        counts = [_disjunctions(child) for child in pb.composite_filter.filters]
        if pb.composite_filter.op == OR:
            return sum(counts)
        product = 1
        for count in counts:
            product *= count
        return product
    if kind == "field_filter" and pb.field_filter.op in (IN, ANY):
        return max(1, len(pb.field_filter.value.array_value.values))
    return 1


def _dnf(pb: Any) -> list[list[Any]]:
    """The filter as OR of ANDs of leaves (IN and ARRAY_CONTAINS_ANY kept as leaves)."""
    kind = pb.WhichOneof("filter_type")
    if kind != "composite_filter":
        return [[getattr(pb, kind)]]
    children = [_dnf(child) for child in pb.composite_filter.filters]
    if pb.composite_filter.op == OR:
        return [conjunction for child in children for conjunction in child]
    combined: list[list[Any]] = []
    for parts in itertools.product(*children):
        combined.append([leaf for part in parts for leaf in part])
    return combined
