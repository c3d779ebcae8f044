"""HTTP target URLs: what CreateTask accepts, and where and how a dispatch connects.

The reference says the URL begins with ``http://`` or ``https://``, is at most 2083 characters
*after encoding*, and that "Cloud Tasks will encode some characters for safety and
compatibility". Here:

- the host is an ASCII DNS name (labels of letters, digits, ``-`` and ``_``; an
  internationalized name goes in its ``xn--`` form), an IPv4 address or a bracketed IPv6
  address; the port, when given, is in 1..65535;
- whitespace and control characters are refused anywhere;
- other characters that may not appear in an HTTP request line (non-ASCII, ``"<>\\^`{|}``) are
  percent-encoded (UTF-8) when the request is sent; the stored task keeps the URL as given.

Anything else is INVALID_ARGUMENT, so a task that was accepted can always be sent.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass

from emulators.cloudtasks.errors import invalid

MAX_URL = 2083
_FIELD = "Task.http_request.url"
_KEEP = "!#$%&'()*+,/:;=?@[]~-._"  # reserved and unreserved characters, and existing escapes
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AUTHORITY = re.compile(r"(?:[^@]*@)?(?:\[[^\[\]@]*\]|[^:@\[\]]*)(?::[0-9]*)?")
"""``[userinfo@]host[:port]``, the host a name or a bracketed IPv6 address (checked later)."""


@dataclass(frozen=True)
class Target:
    """Where a checked URL sends its request."""

    tls: bool
    host: str
    """The name or address to connect to (no brackets), also the TLS server name."""
    port: int
    host_header: str
    """``Host`` as the request carries it: the host, and the port when it is not the default."""
    path: str
    """The request target: the encoded path (``/`` when empty) and query; no fragment."""


def parse(url: str) -> Target:
    """Check ``url`` and say where it leads; INVALID_ARGUMENT (an RpcError) when refused."""
    if not url:
        raise invalid(f"{_FIELD} is required")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise invalid(f"{_FIELD} must not contain whitespace or control characters: {url!r}")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise invalid(f"{_FIELD} is not a valid URL ({error}): {url!r}") from None
    if parts.scheme not in _DEFAULT_PORTS or not url.startswith(f"{parts.scheme}://"):
        raise invalid(f"{_FIELD} must begin with http:// or https://: {url!r}")
    if not _AUTHORITY.fullmatch(parts.netloc):
        raise invalid(f"{_FIELD} is not a valid URL (expected host[:port]): {url!r}")
    host = parts.hostname or ""
    if not host:
        raise invalid(f"{_FIELD} is not a valid URL (no host): {url!r}")
    bracketed = _check_host(host, url)
    if port == 0:
        raise invalid(f"{_FIELD} has port 0, which cannot be connected to: {url!r}")
    if len(encode(url)) > MAX_URL:
        raise invalid(f"{_FIELD} is longer than {MAX_URL} characters (after encoding)")
    default = _DEFAULT_PORTS[parts.scheme]
    shown = f"[{host}]" if bracketed else host
    path = encode(parts.path or "/") + (f"?{encode(parts.query)}" if parts.query else "")
    return Target(
        tls=parts.scheme == "https",
        host=host,
        port=port or default,
        host_header=shown if port in (None, default) else f"{shown}:{port}",
        path=path,
    )


def encode(text: str) -> str:
    """Percent-encode (UTF-8) the characters an HTTP request line cannot carry."""
    return urllib.parse.quote(text, safe=_KEEP)


def _check_host(host: str, url: str) -> bool:
    """Refuse a host that is not an ASCII name or an IP address; True for an IPv6 address."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise invalid(f"{_FIELD} has an invalid IPv6 host {host!r}: {url!r}") from None
        return True
    if not host.isascii():
        raise invalid(
            f"{_FIELD} has a non-ASCII host {host!r}: give an internationalized domain name "
            f"in its ASCII (xn--) form: {url!r}"
        )
    labels = host.removesuffix(".").split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise invalid(f"{_FIELD} has an invalid host name {host!r}: {url!r}")
    return False
