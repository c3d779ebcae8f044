"""The `activities` entry point: the CRM's built-in activity store."""

from __future__ import annotations

from werkzeug.wrappers import Response

from calsync.http.app import Call, EntryPoint, Route, json_response


def list_activities(call: Call) -> Response:
    views = call.services.activities.in_range(
        call.user(), call.query("start"), call.query("end"), call.query("owner_id")
    )
    return json_response({"activities": [v.model_dump(mode="json") for v in views]})


def create_activity(call: Call) -> Response:
    user = call.user()
    created = call.services.activities.create(user, call.body())
    return json_response(created.model_dump(mode="json"), 201)


def get_activity(call: Call) -> Response:
    found = call.services.activities.get(call.user(), call.args["activity_id"])
    return json_response(found.model_dump(mode="json"))


def patch_activity(call: Call) -> Response:
    user = call.user()
    changed = call.services.activities.patch(user, call.args["activity_id"], call.body())
    return json_response(changed.model_dump(mode="json"))


def delete_activity(call: Call) -> Response:
    call.services.activities.delete(call.user(), call.args["activity_id"])
    return Response(status=204)


ACTIVITY = "/activities/<activity_id>"

ACTIVITIES = EntryPoint(
    "activities",
    [
        Route("/activities", ("GET",), list_activities),
        Route("/activities", ("POST",), create_activity),
        Route(ACTIVITY, ("GET",), get_activity),
        Route(ACTIVITY, ("PATCH",), patch_activity),
        Route(ACTIVITY, ("DELETE",), delete_activity),
    ],
    browser=True,
)
