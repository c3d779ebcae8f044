"""The `accounts` entry point: a CRM user's calendar accounts, their settings and their sync."""

from __future__ import annotations

import re

from werkzeug.wrappers import Response

from calsync.errors import InvalidInput
from calsync.http.app import Call, EntryPoint, Route, json_response
from calsync.http.views import account_json, calendar_json, conflict_json, settings_json


def list_accounts(call: Call) -> Response:
    accounts = call.services.accounts.for_user(call.user())
    return json_response({"accounts": [account_json(a) for a in accounts]})


def get_account(call: Call) -> Response:
    account = call.services.accounts.get(call.user(), call.args["account_id"])
    return json_response(account_json(account))


def remove_account(call: Call) -> Response:
    call.services.lifecycle.remove(call.user(), call.args["account_id"])
    return Response(status=204)


def list_calendars(call: Call) -> Response:
    calendars = call.services.accounts.calendars(call.user(), call.args["account_id"])
    return json_response({"calendars": [calendar_json(c) for c in calendars]})


def create_calendar(call: Call) -> Response:
    user = call.user()
    calendar, created = call.services.accounts.create_calendar(
        user, call.args["account_id"], call.body(optional=True)
    )
    return json_response(calendar_json(calendar), 201 if created else 200)


def get_settings(call: Call) -> Response:
    settings = call.services.account_settings.get(call.user(), call.args["account_id"])
    return json_response(settings_json(settings))


def patch_settings(call: Call) -> Response:
    user = call.user()
    settings = call.services.account_settings.patch(user, call.args["account_id"], call.body())
    return json_response(settings_json(settings))


def preview(call: Call) -> Response:
    shown = call.services.accounts.preview(
        call.user(), call.args["account_id"], call.query("option")
    )
    return json_response(shown.model_dump(mode="json"))


def start(call: Call) -> Response:
    user = call.user()
    account = call.services.lifecycle.start(user, call.args["account_id"], call.body(optional=True))
    return json_response(account_json(account))


def stop(call: Call) -> Response:
    account = call.services.lifecycle.stop(call.user(), call.args["account_id"])
    return json_response(account_json(account))


def conflicts(call: Call) -> Response:
    user = call.user()
    raw = call.query("limit") or "50"
    if not WHOLE_NUMBER.fullmatch(raw):  # ASCII digits only: int() refuses "²", takes "٣"
        raise InvalidInput("invalid limit", {"limit": "must be a whole number"})
    found = call.services.accounts.conflicts(user, call.args["account_id"], int(raw))
    return json_response({"conflicts": [conflict_json(c) for c in found]})


WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
ACCOUNT = "/accounts/<account_id>"

ACCOUNTS = EntryPoint(
    "accounts",
    [
        Route("/accounts", ("GET",), list_accounts),
        Route(ACCOUNT, ("GET",), get_account),
        Route(ACCOUNT, ("DELETE",), remove_account),
        Route(f"{ACCOUNT}/calendars", ("GET",), list_calendars),
        Route(f"{ACCOUNT}/calendars", ("POST",), create_calendar),
        Route(f"{ACCOUNT}/settings", ("GET",), get_settings),
        Route(f"{ACCOUNT}/settings", ("PATCH",), patch_settings),
        Route(f"{ACCOUNT}/private-event-preview", ("GET",), preview),
        Route(f"{ACCOUNT}/start", ("POST",), start),
        Route(f"{ACCOUNT}/stop", ("POST",), stop),
        Route(f"{ACCOUNT}/conflicts", ("GET",), conflicts),
    ],
    browser=True,
)
