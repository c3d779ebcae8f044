"""The batch endpoint: ``multipart/mixed`` in, ``multipart/mixed`` out, one part per call.

Each request part holds a whole HTTP request with a path-only URL (the Python client writes LF
line endings; CRLF is accepted too). Outer headers other than ``Content-*`` apply to every part
unless the part sets its own. Parts run in order, each through the same pipeline as a direct
call (auth, quota, faults, stats), and are not atomic. Response parts carry
``Content-ID: <response-...>`` and CRLF line endings, as the client's parser expects.
"""

from __future__ import annotations

import email
import http
import json
import secrets
from collections.abc import Callable
from email.message import Message

from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from emulators.google import errors

MAX_PARTS = 1000
Dispatch = Callable[[Request], Response]


def handle(request: Request, dispatch: Dispatch) -> tuple[Response, int]:
    """Run every part through ``dispatch``; returns the response and the number of parts."""
    content_type = request.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/mixed") or "boundary=" not in content_type:
        raise errors.bad_request("A batch request must be multipart/mixed with a boundary.")
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.message_from_bytes(head + request.get_data())
    parts = message.get_payload()
    if not message.is_multipart() or not isinstance(parts, list) or not parts:
        raise errors.bad_request("The batch request has no parts.")
    if len(parts) > MAX_PARTS:
        raise errors.bad_request(f"A batch request cannot contain more than {MAX_PARTS} requests.")
    inherited = [(k, v) for k, v in request.headers.items() if not k.lower().startswith("content-")]
    boundary = "batch_" + secrets.token_hex(12)
    chunks = []
    for part in parts:
        if not isinstance(part, Message):
            raise errors.bad_request("Malformed batch request.")
        answer = _run_part(part, inherited, request, dispatch)
        content_id = _response_id(part.get("Content-ID"))
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/http\r\n"
            + (f"Content-ID: {content_id}\r\n" if content_id else "")
            + f"\r\n{answer}\r\n"
        )
    body = "".join(chunks) + f"--{boundary}--\r\n"
    response = Response(body, 200, content_type=f"multipart/mixed; boundary={boundary}")
    return response, len(parts)


def _run_part(
    part: Message, inherited: list[tuple[str, str]], outer: Request, dispatch: Dispatch
) -> str:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return _serialize(
            _error_response(errors.bad_request("A batch part must be application/http."))
        )
    try:
        method, target, headers, body = _parse_http(payload)
    except ValueError:
        return _serialize(_error_response(errors.bad_request("Malformed batch part.")))
    merged = Headers(inherited)
    for name, value in headers.items():
        merged.set(name, value)
    path, _, query = target.partition("?")
    builder = EnvironBuilder(
        path=path,
        base_url=outer.host_url,
        query_string=query,
        method=method,
        headers=[(k, v) for k, v in merged.items() if k.lower() not in ("host", "content-length")],
        data=body.encode(),
        content_type=headers.get("Content-Type") or headers.get("content-type"),
    )
    try:
        return _serialize(dispatch(Request(builder.get_environ())))
    finally:
        builder.close()


def _parse_http(payload: str) -> tuple[str, str, dict[str, str], str]:
    lines = payload.replace("\r\n", "\n").split("\n")
    request_line = lines[0].split()
    if len(request_line) < 2 or not request_line[1].startswith("/"):
        raise ValueError("bad request line")
    headers: dict[str, str] = {}
    index = 1
    while index < len(lines) and lines[index].strip():
        name, sep, value = lines[index].partition(":")
        if not sep:
            raise ValueError("bad header")
        headers[name.strip()] = value.strip()
        index += 1
    body = "\n".join(lines[index + 1 :]).strip()
    return request_line[0].upper(), request_line[1], headers, body


def _serialize(response: Response) -> str:
    reason = http.HTTPStatus(response.status_code).phrase
    lines = [f"HTTP/1.1 {response.status_code} {reason}"]
    for name, value in response.headers.items():
        if name.lower() not in ("content-length",):
            lines.append(f"{name}: {value}")
    body = response.get_data(as_text=True)
    lines.append(f"Content-Length: {len(body.encode())}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def _response_id(content_id: str | None) -> str | None:
    if not content_id:
        return None
    inner = content_id.strip()
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    return f"<response-{inner}>"


def _error_response(error: errors.ApiError) -> Response:
    return Response(json.dumps(error.body()), error.status, content_type="application/json")
