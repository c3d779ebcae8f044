"""The `oauth` entry point: start a consent, and come back from it.

`POST /oauth/start` answers with the provider's consent URL. `GET /oauth/callback` is where
the provider sends the browser back: it always answers with a redirect to the frontend, with
`account_id` (and `confirmation` for a new connection) on success or `error` (a short reason)
otherwise, never with a JSON page. `POST /oauth/confirm` is the frontend's confirmation of a
new connection, with the code that came back to its browser (services/confirm.py).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.wrappers import Response

from calsync.errors import CalsyncError, OAuthRefused
from calsync.http.app import Call, EntryPoint, Route, json_response
from calsync.http.views import account_json
from calsync.services.connect import CallbackParams


def start(call: Call) -> Response:
    url = call.services.connect.start(call.user(), call.body())
    return json_response({"authorization_url": url})


def with_query(url: str, **params: str) -> str:
    """`url` with `params` added to its query string."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def redirect(url: str) -> Response:
    headers = {"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return Response(status=302, headers=headers)


def callback(call: Call) -> Response:
    frontend = call.services.settings.frontend_url
    params = CallbackParams(
        state=call.query("state"), code=call.query("code"), error=call.query("error")
    )
    try:
        connected = call.services.connect.callback(params)
    except OAuthRefused as refused:
        return redirect(with_query(frontend, error=refused.reason))
    except CalsyncError as error:
        return redirect(with_query(frontend, error=error.code))
    if connected.confirmation is None:
        return redirect(with_query(frontend, account_id=connected.account_id))
    return redirect(
        with_query(frontend, account_id=connected.account_id, confirmation=connected.confirmation)
    )


def confirm(call: Call) -> Response:
    account = call.services.confirm.confirm(call.user(), call.body())
    return json_response(account_json(account))


OAUTH = EntryPoint(
    "oauth",
    [
        Route("/oauth/start", ("POST",), start),
        Route("/oauth/callback", ("GET",), callback),
        Route("/oauth/confirm", ("POST",), confirm),
    ],
    browser=True,
)
