"""Documents: get, create, set, merge, update, delete, times, masks, preconditions, values."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath
from google.cloud.firestore_v1.vector import Vector


def test_get_missing_document_is_not_found_but_a_snapshot(firestore_client: firestore.Client):
    snapshot = firestore_client.document("users/nobody").get()
    assert not snapshot.exists
    assert snapshot.to_dict() is None
    assert snapshot.read_time is not None


def test_create_then_create_again_is_already_exists(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    ref.create({"name": "Ada"})
    with pytest.raises(exceptions.AlreadyExists):
        ref.create({"name": "Other"})
    assert ref.get().to_dict() == {"name": "Ada"}


def test_set_replaces_the_whole_document(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    ref.set({"name": "Ada", "age": 36})
    ref.set({"city": "London"})
    assert ref.get().to_dict() == {"city": "London"}


def test_set_with_merge_keeps_other_fields_and_merges_maps(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    ref.set({"name": "Ada", "prefs": {"tz": "UTC", "lang": "en"}})
    ref.set({"prefs": {"lang": "fr"}, "age": 36}, merge=True)
    assert ref.get().to_dict() == {"name": "Ada", "age": 36, "prefs": {"tz": "UTC", "lang": "fr"}}
    ref.set({"name": "Lovelace", "age": 99}, merge=["name"])
    assert ref.get().to_dict()["name"] == "Lovelace"
    assert ref.get().to_dict()["age"] == 36


def test_update_missing_document_is_not_found(firestore_client: firestore.Client):
    with pytest.raises(exceptions.NotFound):
        firestore_client.document("users/ghost").update({"a": 1})
    assert not firestore_client.document("users/ghost").get().exists


def test_update_nested_field_paths_touch_only_those_fields(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    ref.set({"prefs": {"tz": "UTC", "lang": "en"}, "dotted.key": 1})
    ref.update({"prefs.lang": "fr", "new.deep.leaf": True})
    ref.update({FieldPath("dotted.key").to_api_repr(): 2})
    assert ref.get().to_dict() == {
        "prefs": {"tz": "UTC", "lang": "fr"},
        "new": {"deep": {"leaf": True}},
        "dotted.key": 2,
    }


def test_delete_field_removes_top_level_and_nested_fields(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    ref.set({"a": 1, "b": 2, "m": {"x": 1, "y": 2}})
    ref.update({"a": firestore.DELETE_FIELD, "m.x": firestore.DELETE_FIELD})
    assert ref.get().to_dict() == {"b": 2, "m": {"y": 2}}
    ref.set({"b": firestore.DELETE_FIELD}, merge=True)
    assert ref.get().to_dict() == {"m": {"y": 2}}


def test_delete_removes_and_deleting_a_missing_document_succeeds(
    firestore_client: firestore.Client,
):
    ref = firestore_client.document("users/ada")
    ref.set({"a": 1})
    ref.delete()
    assert not ref.get().exists
    ref.delete()  # no precondition: deleting nothing is fine


def test_create_update_and_read_times(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    created = ref.create({"v": 1})
    first = ref.get()
    assert first.create_time == first.update_time == created.update_time
    updated = ref.update({"v": 2})
    second = ref.get()
    assert second.create_time == first.create_time
    assert second.update_time == updated.update_time > first.update_time
    assert second.read_time >= second.update_time
    unchanged = ref.set({"v": 2})  # a write that changes nothing keeps the update time
    assert unchanged.update_time == second.update_time
    ref.delete()
    recreated = ref.create({"v": 3})
    assert ref.get().create_time == recreated.update_time > second.update_time


def test_precondition_exists(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    must_exist = firestore_client.write_option(exists=True)
    with pytest.raises(exceptions.NotFound):
        ref.delete(option=must_exist)
    ref.set({"a": 1})
    ref.delete(option=must_exist)
    assert not ref.get().exists


def test_precondition_update_time(firestore_client: firestore.Client):
    ref = firestore_client.document("users/ada")
    stamp = ref.set({"v": 1}).update_time
    ref.update({"v": 2}, option=firestore_client.write_option(last_update_time=stamp))
    with pytest.raises(exceptions.FailedPrecondition):
        ref.update({"v": 3}, option=firestore_client.write_option(last_update_time=stamp))
    with pytest.raises(exceptions.FailedPrecondition):
        ref.delete(option=firestore_client.write_option(last_update_time=stamp))
    assert ref.get().get("v") == 2


def test_every_value_type_round_trips(firestore_client: firestore.Client):
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
    data = {
        "null": None,
        "bool": True,
        "int": -(2**63),
        "float": 1.5,
        "nan": math.nan,
        "inf": -math.inf,
        "time": when,
        "text": "héllo",
        "bytes": b"\x00\xff",
        "ref": firestore_client.document("users/other"),
        "geo": firestore.GeoPoint(51.5, -0.12),
        "array": [1, "two", None, {"three": 3}],
        "map": {"nested": {"deeper": [True]}},
        "vector": Vector([1.0, 2.0]),
    }
    ref = firestore_client.document("types/all")
    ref.set(data)
    got = ref.get().to_dict()
    assert math.isnan(got.pop("nan"))
    expected = {k: v for k, v in data.items() if k != "nan"}
    assert got == expected


def test_timestamps_are_kept_to_the_microsecond(firestore_client: firestore.Client):
    from google.api_core.datetime_helpers import DatetimeWithNanoseconds

    precise = DatetimeWithNanoseconds(2024, 1, 1, 0, 0, 0, nanosecond=123456789, tzinfo=dt.UTC)
    ref = firestore_client.document("types/time")
    ref.set({"t": precise})
    assert ref.get().get("t").timestamp_pb().nanos == 123456000


def test_invalid_writes_are_invalid_argument(firestore_client: firestore.Client):
    with pytest.raises(exceptions.InvalidArgument):
        firestore_client.document("users/__reserved__").set({"a": 1})
    with pytest.raises(exceptions.InvalidArgument):
        firestore_client.document("users/ada").set({"__reserved__": 1})
    with pytest.raises(exceptions.InvalidArgument):
        firestore_client.document("users/ada").set({"nested": [[1, 2]]})
    with pytest.raises(exceptions.InvalidArgument):
        firestore_client.document("users/ada").set({"big": "x" * (1024 * 1024 + 10)})
    assert not firestore_client.document("users/ada").get().exists
    firestore_client.document("users/ada").set({"fine": 1})  # the server is still serving


def test_subcollection_documents_live_under_any_parent(firestore_client: firestore.Client):
    deep = firestore_client.document("a/1/b/2/c/3")
    deep.set({"depth": 3})
    assert deep.get().to_dict() == {"depth": 3}
    assert not firestore_client.document("a/1").get().exists
