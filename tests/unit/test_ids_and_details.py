"""Derived ids and the deal/contact block."""

from __future__ import annotations

import re

import pytest
from calsync.domain import Account, LinkedItem, LinkedItemKind
from calsync.domain.details import DELIMITER, render_block, split_block, with_block, without_block
from calsync.domain.ids import (
    activity_id_from_event_id,
    activity_ids_for_event,
    event_id_for,
    imported_activity_id,
)
from calsync.domain.schedule import evolve
from hypothesis import given
from hypothesis import strategies as st

GOOGLE_ID = re.compile(r"^[a-v0-9]{5,1024}$")


@given(st.text(min_size=1, max_size=200))
def test_event_ids_are_valid_google_ids_and_lead_back(activity_id: str) -> None:
    try:
        event_id = event_id_for(activity_id)
    except ValueError:
        assert len(activity_id.encode()) > 600
        return
    assert GOOGLE_ID.match(event_id)
    assert activity_id_from_event_id(event_id) == activity_id


@pytest.mark.parametrize(
    "event_id",
    ["u00000001", "crm0", "crm0zz", "crm0c4oh", "7sull595rv5apd9mr77a6g0s0h_20220131T170000Z"],
)
def test_foreign_event_ids_lead_nowhere(event_id: str) -> None:
    assert activity_id_from_event_id(event_id) is None


ANN = Account(id="acc1", company_id="c", user_id="ann", email="ann@example.com")


def test_imported_ids_are_deterministic_per_user_calendar_and_event() -> None:
    first = imported_activity_id(ANN, "cal", "ev1")
    assert first == imported_activity_id(ANN, "cal", "ev1")
    assert first.startswith("cal-")
    assert len(first) == 44
    # the same user connecting again (a new account id) gets the same ids: imports tie back
    assert first == imported_activity_id(evolve(ANN, id="acc2"), "cal", "ev1")
    assert first != imported_activity_id(evolve(ANN, user_id="bob"), "cal", "ev1")
    assert first != imported_activity_id(evolve(ANN, company_id="other"), "cal", "ev1")
    assert first != imported_activity_id(ANN, "other-cal", "ev1")
    assert first != imported_activity_id(ANN, "cal", "ev2")
    assert activity_ids_for_event(ANN, "cal", "ev1") == [first]
    ours = event_id_for("a1")
    assert activity_ids_for_event(ANN, "cal", ours) == [
        "a1",
        imported_activity_id(ANN, "cal", ours),
    ]


def _item(kind: LinkedItemKind, item_id: str, name: str) -> LinkedItem:
    return LinkedItem(kind=kind, id=item_id, company_id="c", name=name, owner_id="u")


def test_the_block_names_each_item_with_a_link_back() -> None:
    items = {
        LinkedItemKind.ORGANIZATION: _item(LinkedItemKind.ORGANIZATION, "o1", "Acme"),
        LinkedItemKind.DEAL: _item(LinkedItemKind.DEAL, "d1", "Renewal"),
    }
    block = render_block(items, "https://crm.example.com/")
    assert block.splitlines() == [
        "Deal: Renewal - https://crm.example.com/deals/d1",
        "Organization: Acme - https://crm.example.com/organizations/o1",
    ]
    assert render_block({}, "https://crm.example.com") == ""


@given(
    st.text().filter(lambda t: DELIMITER not in t), st.text().filter(lambda t: DELIMITER not in t)
)
def test_the_block_is_always_recognised_and_dropped(public: str, block: str) -> None:
    description = with_block(public, block)
    assert without_block(description) == public
    if block:
        assert split_block(description) == (public, block)
    else:
        assert description == public
