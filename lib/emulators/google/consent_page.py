"""The small HTML pages a person sees in a browser: the consent form and error pages."""

from __future__ import annotations

from html import escape

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

_STYLE = (
    "body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}"
    "input[type=email]{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}"
)


def form(args: MultiDict[str, str], scopes: list[str], email: str) -> Response:
    """Ask which account signs in and whether it allows the client's requested access."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(key)}" value="{escape(value)}">'
        for key, value in args.items(multi=True)
        if key not in ("email", "decision")
    )
    items = "".join(f"<li>{escape(scope)}</li>" for scope in scopes)
    client = escape(args.get("client_id", ""))
    body = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in - Google Accounts (simulator)</title>
<style>{_STYLE}</style></head><body>
<h1>Choose an account</h1>
<p><b>{client}</b> wants to access your Google Account:</p><ul>{items}</ul>
<form method="post" action="/o/oauth2/v2/auth/decision">{hidden}
<p><label>Email <input type="email" name="email" value="{escape(email)}" required></label></p>
<p><button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button></p>
</form></body></html>"""
    return Response(body, 200, content_type="text/html; charset=utf-8")


def error(status: int, code: str, description: str) -> Response:
    """Google shows client and redirect URI problems as a page, never as a redirect."""
    body = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Error {status} ({escape(code)})</title>
<style>{_STYLE}</style></head><body>
<h1>Access blocked: authorization error</h1>
<p>Error {status}: {escape(code)}</p><p>{escape(description)}</p></body></html>"""
    return Response(body, status, content_type="text/html; charset=utf-8")
