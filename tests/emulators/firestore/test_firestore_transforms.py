"""Field transforms: server timestamp, increment, maximum, minimum, array union and remove."""

from __future__ import annotations

import math

import pytest
from google.cloud import firestore


@pytest.fixture
def ref(firestore_client: firestore.Client) -> firestore.DocumentReference:
    return firestore_client.document("counters/c")


def test_server_timestamp_is_the_commit_time(ref: firestore.DocumentReference):
    result = ref.set(
        {"at": firestore.SERVER_TIMESTAMP, "nested": {"at": firestore.SERVER_TIMESTAMP}}
    )
    snapshot = ref.get()
    assert snapshot.get("at") == result.update_time
    assert snapshot.get("nested.at") == result.update_time


def test_increment_integers_doubles_missing_and_non_numeric(ref: firestore.DocumentReference):
    ref.set({"i": 1, "d": 1.5, "s": "text"})
    ref.update(
        {
            "i": firestore.Increment(2),
            "d": firestore.Increment(1),
            "s": firestore.Increment(5),
            "missing": firestore.Increment(3),
        }
    )
    got = ref.get().to_dict()
    assert got == {"i": 3, "d": 2.5, "s": 5, "missing": 3}
    assert isinstance(got["i"], int)
    assert isinstance(got["d"], float)
    ref.update({"i": firestore.Increment(0.5)})
    assert ref.get().get("i") == 3.5


def test_increment_saturates_on_integer_overflow(ref: firestore.DocumentReference):
    ref.set({"big": 2**63 - 2, "small": -(2**63) + 1})
    ref.update({"big": firestore.Increment(10), "small": firestore.Increment(-10)})
    assert ref.get().to_dict() == {"big": 2**63 - 1, "small": -(2**63)}


def test_maximum_and_minimum(ref: firestore.DocumentReference):
    ref.set({"hi": 5, "lo": 5, "mixed": 3, "same": 3, "nan": 1.0, "text": "x"})
    ref.update(
        {
            "hi": firestore.Maximum(7),
            "lo": firestore.Minimum(2.5),
            "mixed": firestore.Maximum(3.5),
            "same": firestore.Maximum(3.0),
            "nan": firestore.Maximum(math.nan),
            "text": firestore.Minimum(1),
            "absent": firestore.Maximum(9),
        }
    )
    got = ref.get().to_dict()
    assert math.isnan(got.pop("nan"))
    assert got == {"hi": 7, "lo": 2.5, "mixed": 3.5, "same": 3, "text": 1, "absent": 9}
    assert isinstance(got["same"], int)  # equal operands leave the stored value alone


def test_array_union_and_remove(ref: firestore.DocumentReference):
    ref.set({"tags": ["a", 1, None], "other": "not an array"})
    ref.update(
        {
            "tags": firestore.ArrayUnion(["b", 1.0, None, "b"]),
            "other": firestore.ArrayUnion(["x"]),
            "fresh": firestore.ArrayRemove(["x"]),
        }
    )
    assert ref.get().to_dict() == {"tags": ["a", 1, None, "b"], "other": ["x"], "fresh": []}
    ref.update({"tags": firestore.ArrayRemove([1.0, "a", "zzz"])})
    assert ref.get().get("tags") == [None, "b"]


def test_several_transforms_in_one_write_all_apply(ref: firestore.DocumentReference):
    ref.set({"n": 1, "tags": ["a"], "score": 10})
    result = ref.update(
        {
            "n": firestore.Increment(1),
            "tags": firestore.ArrayUnion(["b"]),
            "score": firestore.Minimum(4),
            "seen": firestore.SERVER_TIMESTAMP,
            "plain": "value",
        }
    )
    got = ref.get().to_dict()
    assert got == {
        "n": 2,
        "tags": ["a", "b"],
        "score": 4,
        "seen": result.update_time,
        "plain": "value",
    }


def test_transforms_with_create_and_merge(ref: firestore.DocumentReference):
    ref.create({"n": firestore.Increment(5)})
    ref.set({"n": firestore.Increment(5), "m": {"k": firestore.Increment(1)}}, merge=True)
    assert ref.get().to_dict() == {"n": 10, "m": {"k": 1}}


def test_one_update_with_all_six_transforms(ref: firestore.DocumentReference):
    ref.set({"n": 1, "high": 5, "low": 5, "tags": ["a"], "drop": ["x", "y"]})
    result = ref.update(
        {
            "at": firestore.SERVER_TIMESTAMP,
            "n": firestore.Increment(2),
            "high": firestore.Maximum(9),
            "low": firestore.Minimum(-1.5),
            "tags": firestore.ArrayUnion(["b", "a"]),
            "drop": firestore.ArrayRemove(["x"]),
        }
    )
    assert ref.get().to_dict() == {
        "at": result.update_time,
        "n": 3,
        "high": 9,
        "low": -1.5,
        "tags": ["a", "b"],
        "drop": ["y"],
    }
