"""One HTTP/1.1 exchange over asyncio streams: the request, then the response's status line and
headers; the body is read to its end and thrown away (an attempt's outcome is its status).

Every request carries ``Connection: close``: one connection per attempt, nothing pooled, so an
attempt never waits for another's connection. Interim (1xx) responses are skipped. A response
that is not HTTP/1.x raises :class:`ProtocolError`; a broken body after a complete status line
and headers does not change the status.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from emulators.cloudtasks.urls import Target

MAX_HEAD = 64 * 1024
"""The largest status line + headers accepted (also the streams' buffer limit)."""
_PIECE = 64 * 1024
_BODY_METHODS = ("POST", "PUT", "PATCH")


class ProtocolError(Exception):
    """The peer's answer is not an HTTP/1.x response."""


@dataclass(frozen=True)
class Response:
    """A response's status and headers (names in lower case)."""

    status: int
    reason: str
    headers: dict[str, str]


def request_head(method: str, target: Target, headers: dict[str, str], length: int) -> bytes:
    """The request line and headers; ``Host``, ``Content-Length`` and ``Connection`` computed."""
    lines = [f"{method} {target.path} HTTP/1.1", f"Host: {target.host_header}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if length or method in _BODY_METHODS:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    method: str,
    head: bytes,
    body: bytes,
) -> Response:
    """Send the request and read the final response (the caller bounds it with a timeout)."""
    writer.write(head + body)
    await writer.drain()
    response = await _read_head(reader)
    while 100 <= response.status < 200:
        response = await _read_head(reader)
    broken_body = (ProtocolError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError)
    with contextlib.suppress(*broken_body):  # the status and headers arrived whole: the answer
        await _drain_body(reader, method, response)
    return response


async def _read_head(reader: asyncio.StreamReader) -> Response:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise ProtocolError(f"response headers larger than {MAX_HEAD} bytes") from None
    except asyncio.IncompleteReadError:
        raise ProtocolError("the connection closed before a complete response") from None
    status_line, *lines = raw.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for line in filter(None, lines):
        name, colon, value = line.partition(":")
        if not colon:
            raise ProtocolError(f"malformed response header: {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return Response(int(code), reason.strip(), headers)


async def _drain_body(reader: asyncio.StreamReader, method: str, response: Response) -> None:
    if method == "HEAD" or response.status in (204, 304):
        return
    if "chunked" in response.headers.get("transfer-encoding", "").lower():
        await _drain_chunked(reader)
        return
    length = response.headers.get("content-length")
    if length is None:
        while await reader.read(_PIECE):  # delimited by the end of the connection
            pass
        return
    if not length.isdigit():
        raise ProtocolError(f"bad Content-Length {length!r}")
    await _skip(reader, int(length))


async def _drain_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = (await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size {size_line[:20]!r}") from None
        if size == 0:
            break
        await _skip(reader, size + 2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, up to the empty line
        pass


async def _skip(reader: asyncio.StreamReader, count: int) -> None:
    while count > 0:
        piece = await reader.read(min(count, _PIECE))
        if not piece:
            raise ProtocolError("the connection closed inside the response body")
        count -= len(piece)
