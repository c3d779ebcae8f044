"""The `activities` entry point: CRUD over WSGI, the activity shape, busy blocks for others."""

from __future__ import annotations

from tests.unit.services.harness import Api, World

ACTIVITY_KEYS = {
    "id", "owner_id", "type", "subject", "start", "end", "all_day", "timezone", "location",
    "public_description", "note", "busy", "visibility", "deal_id", "person_id", "org_id",
    "attendees", "conference_url", "read_only", "origin", "version", "updated_at",
}  # fmt: skip
LUNCH = {
    "type": "lunch",
    "subject": "Lunch with Ana",
    "start": "2031-03-04T12:00:00+01:00",
    "end": "2031-03-04T13:00:00+01:00",
    "timezone": "Europe/Berlin",
    "attendees": ["Ana@Example.com"],
    "conference_url": "https://meet.example.com/abc",
}
RANGE = "start=2031-03-01T00:00:00Z&end=2031-03-31T00:00:00Z"


def test_create_read_patch_delete(api: Api) -> None:
    created = api("POST", "/activities", json=LUNCH)
    assert created.status_code == 201
    body = created.json
    assert set(body) >= ACTIVITY_KEYS
    assert (body["owner_id"], body["version"], body["origin"], body["read_only"]) == (
        "u-demo",
        1,
        "crm",
        False,
    )
    assert body["attendees"] == ["ana@example.com"]
    assert body["start"] == "2031-03-04T12:00:00+01:00"
    path = f"/activities/{body['id']}"
    assert api("GET", path).json == body
    patched = api("PATCH", path, json={"subject": "Lunch with Ana and Ben", "version": 1})
    assert (patched.status_code, patched.json["version"]) == (200, 2)
    stale = api("PATCH", path, json={"subject": "late", "version": 1})
    assert (stale.status_code, stale.json["error"]["code"]) == (409, "version_mismatch")
    deleted = api("DELETE", path)
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert api("GET", path).status_code == 404


def test_all_day_activities_use_dates_with_an_inclusive_end(api: Api) -> None:
    body = {"type": "task", "all_day": True, "start": "2031-03-04", "end": "2031-03-05"}
    created = api("POST", "/activities", json=body).json
    assert (created["all_day"], created["start"], created["end"]) == (
        True,
        "2031-03-04",
        "2031-03-05",
    )


def test_the_list_shows_others_only_me_activities_as_busy_blocks(api: Api, world: World) -> None:
    private = api("POST", "/activities", json={**LUNCH, "visibility": "only_me"}).json
    public = api("POST", "/activities", json={**LUNCH, "subject": "Team lunch"}).json
    seen = {a["id"]: a for a in api("GET", f"/activities?{RANGE}", user="bob").json["activities"]}
    block = seen[private["id"]]
    assert block["details_hidden"] is True
    assert (block["subject"], block["attendees"], block["conference_url"]) == ("Busy", [], None)
    assert (block["start"], block["end"]) == (private["start"], private["end"])
    assert seen[public["id"]]["subject"] == "Team lunch"
    mine = api("GET", f"/activities?{RANGE}").json["activities"]
    assert {a["subject"] for a in mine} == {"Lunch with Ana", "Team lunch"}


def test_others_see_no_details_of_an_activity_whose_deal_is_gone(api: Api, world: World) -> None:
    """A deal the CRM no longer has is one nobody can be shown: the list hides the details
    from everyone but the owner, as `rules.can_see_details` says."""
    created = api("POST", "/activities", json={**LUNCH, "subject": "Deal talk"}).json
    stored = world.storage.session().activities.get("c1", created["id"])
    assert stored is not None
    world.storage.session().activities.put(stored.model_copy(update={"deal_id": "gone"}))
    seen = {a["id"]: a for a in api("GET", f"/activities?{RANGE}", user="bob").json["activities"]}
    assert seen[created["id"]]["details_hidden"] is True
    assert seen[created["id"]]["subject"] == "Busy"
    [mine] = api("GET", f"/activities?{RANGE}").json["activities"]
    assert mine["subject"] == "Deal talk"


def test_read_only_activities_answer_409_with_a_reason(api: Api, world: World) -> None:
    created = api("POST", "/activities", json=LUNCH).json
    stored = world.storage.session().activities.get("c1", created["id"])
    assert stored is not None
    world.storage.session().activities.put(stored.model_copy(update={"read_only": True}))
    for method, body in (("PATCH", {"subject": "x"}), ("DELETE", None)):
        refused = api(method, f"/activities/{created['id']}", json=body)
        assert refused.status_code == 409
        assert refused.json["error"]["code"] == "read_only"
        assert "calendar" in refused.json["error"]["message"]
