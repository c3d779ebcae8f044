"""Aggregation queries: count (with up_to), sum and avg, with the service's result types.

``sum`` is an integer while every summed value is an integer and the total fits in 64 bits,
otherwise a double; ``avg`` is always a double, or null when nothing numeric was found.
Non-numeric values are ignored by both; the aggregation runs over the query's results
(after its offset and limit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from emulators.firestore import values
from emulators.firestore.documents import Document, field_segments
from emulators.firestore.errors import invalid
from emulators.firestore.values import ValuePb

MAX_AGGREGATIONS = 5
INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)


def check(aggregations: Sequence[Any]) -> list[str]:
    """Validate the aggregations and return their aliases (in request order)."""
    if not aggregations:
        raise invalid("An aggregation query needs at least one aggregation.")
    if len(aggregations) > MAX_AGGREGATIONS:
        raise invalid(f"An aggregation query accepts at most {MAX_AGGREGATIONS} aggregations.")
    aliases = []
    for index, aggregation in enumerate(aggregations):
        alias = aggregation.alias or f"field_{index + 1}"
        if alias in aliases:
            raise invalid(f"Duplicate aggregation alias {alias!r}.")
        aliases.append(alias)
        kind = aggregation.WhichOneof("operator")
        if kind is None:
            raise invalid("An aggregation needs an operator (count, sum or avg).")
        if kind == "count":
            if aggregation.count.HasField("up_to") and aggregation.count.up_to.value <= 0:
                raise invalid("count up_to must be greater than zero.")
        else:
            field_segments(getattr(aggregation, kind).field.field_path)
    return aliases


def compute(aggregation: Any, docs: Sequence[Document]) -> Any:
    kind = aggregation.WhichOneof("operator")
    if kind == "count":
        count = len(docs)
        if aggregation.count.HasField("up_to"):
            count = min(count, aggregation.count.up_to.value)
        return ValuePb(integer_value=count)
    segments = field_segments(getattr(aggregation, kind).field.field_path)
    numbers = []
    for doc in docs:
        found = values.get_path(doc.fields, segments)
        if found is not None and values.is_number(found):
            kind_ = values.kind(found)
            numbers.append(found.integer_value if kind_ == "integer_value" else found.double_value)
    if kind == "sum":
        total = _total(numbers)
        if isinstance(total, int):
            return ValuePb(integer_value=total)
        return ValuePb(double_value=total)
    if not numbers:
        return ValuePb(null_value=0)
    return ValuePb(double_value=float(_total(numbers)) / len(numbers))


def _total(numbers: list[int | float]) -> int | float:
    """An exact integer sum when possible (all integers, fits in 64 bits), else a double."""
    if all(isinstance(n, int) for n in numbers):
        total = sum(numbers)
        if INT64_MIN <= total <= INT64_MAX:
            return int(total)
    if all(not isinstance(n, float) or math.isfinite(n) for n in numbers):
        return math.fsum(numbers)
    result = 0.0
    for n in numbers:
        result += float(n)
    return result
