"""The Firestore adapter's pure parts: serialisation, document ids, error translation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from calsync.domain import Conflict, Link, Side, SyncedFields, User
from calsync.errors import Contention, InvalidInput, StorageError
from calsync.store.firestore_access import doc_id, translated
from calsync.store.firestore_codec import ACCOUNT, ACTIVITY, CONFLICT, LINK, USER, Codec
from google.api_core.datetime_helpers import DatetimeWithNanoseconds
from google.api_core.exceptions import Aborted, InvalidArgument, RetryError
from google.cloud.firestore_v1 import ReadAfterWriteError
from hypothesis import given
from hypothesis import strategies as st

from tests.contract.samples import T0, account, activity, link


def _stored(data: dict[str, object]) -> dict[str, object]:
    """What reading back gives: timestamps as the client's own datetime type, in UTC."""

    def convert(value: object) -> object:
        if isinstance(value, datetime):
            utc = value.astimezone(UTC)
            return DatetimeWithNanoseconds(*utc.timetuple()[:6], utc.microsecond, tzinfo=UTC)
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, list):
            return [convert(item) for item in value]
        return value

    converted = convert(data)
    assert isinstance(converted, dict)
    return converted


@pytest.mark.parametrize(
    ("codec", "item"),
    [
        (ACCOUNT, account(scopes=("s1", "s2"))),
        (ACTIVITY, activity("a", start=T0.astimezone(timezone(timedelta(hours=2))))),
        (
            ACTIVITY,
            activity(
                "d", start=None, end=None, start_date=date(2030, 1, 1), end_date=date(2030, 1, 3)
            ),
        ),
        (LINK, link("a", base=SyncedFields(start=T0, end=T0, attendees=("x@y.zz",)))),
    ],
)
def test_models_read_back_equal_through_the_stored_form(codec: Codec[Any], item: Any) -> None:
    assert codec.decode(_stored(codec.encode(item)), "doc") == item


def test_timestamps_read_back_as_plain_utc_datetimes() -> None:
    back = ACCOUNT.decode(_stored(ACCOUNT.encode(account())), "doc")
    assert type(back.created_at) is datetime
    assert back.created_at.tzinfo is UTC


def test_derived_fields_are_written_but_never_read() -> None:
    data = ACTIVITY.encode(activity("a"))
    assert data["ends_at"] == T0 + timedelta(hours=25)
    data["ends_at"] = "something else entirely"
    assert ACTIVITY.decode(data, "doc") == activity("a")


def test_user_email_key_is_lower_case() -> None:
    assert USER.encode(User(id="u", company_id="c", email="Ann@Example.COM"))["email_key"] == (
        "ann@example.com"
    )


def test_enums_are_strings_and_dates_iso() -> None:
    conflict = Conflict(
        id="k",
        account_id="a",
        activity_id="x",
        event_id="e",
        field="subject",
        crm_value="1",
        calendar_value="2",
        winner=Side.CRM,
        reason="r",
        decided_at=T0,
    )
    data = CONFLICT.encode(conflict)
    assert data["winner"] == "crm"
    assert type(data["winner"]) is str
    assert (
        ACTIVITY.encode(
            activity(
                "d", start=None, end=None, start_date=date(2030, 1, 1), end_date=date(2030, 1, 1)
            )
        )["start_date"]
        == "2030-01-01"
    )


def test_a_derived_field_may_not_shadow_a_model_field() -> None:
    with pytest.raises(TypeError, match="shadow"):
        Codec(Link, {"event_id": lambda item: "x"})


def test_an_invalid_document_is_a_storage_error_naming_the_field() -> None:
    with pytest.raises(StorageError, match=r"accounts/x .*email"):
        ACCOUNT.decode({"id": "x", "company_id": "c", "user_id": "u"}, "accounts/x")
    with pytest.raises(StorageError):
        ACCOUNT.decode(None, "accounts/y")


# -- document ids -------------------------------------------------------------------------------


def test_plain_ids_stay_as_they_are() -> None:
    for plain in ("acc1", "cal-0a1b", "ann@example.com", "crm0abc_x:1"):
        assert doc_id(plain) == plain


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_ids_encode_to_valid_distinct_document_ids(one: str, other: str) -> None:
    encoded = doc_id(one)
    assert "/" not in encoded
    assert encoded not in (".", "..")
    assert not (encoded.startswith("__") and encoded.endswith("__"))
    assert (doc_id(other) == encoded) == (other == one)


def test_reserved_and_bad_ids() -> None:
    assert doc_id(".") == "%2E"
    assert doc_id("..") == "%2E."
    assert doc_id("__x__") == "%5F_x__"
    assert doc_id("a/b") == "a%2Fb"
    assert doc_id("a%2Fb") == "a%252Fb"
    with pytest.raises(InvalidInput):
        doc_id("")
    with pytest.raises(InvalidInput):
        doc_id("x" * 1_501)


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "expected", "words"),
    [
        (ReadAfterWriteError("x"), StorageError, "reads before its first write"),
        (Aborted("lost"), Contention, "aborted"),
        (InvalidArgument("too big"), StorageError, "too big"),
        (RetryError("slow", cause=None), StorageError, "in time"),
    ],
)
def test_client_errors_become_calsync_errors(
    raised: Exception, expected: type[StorageError], words: str
) -> None:
    with pytest.raises(expected, match=words) as caught, translated("a step"):
        raise raised
    assert type(caught.value) is expected
    assert caught.value.__cause__ is raised
