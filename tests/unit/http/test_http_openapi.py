"""The OpenAPI document describes exactly the routes the routing tables serve."""

from __future__ import annotations

import re
from pathlib import Path

import calsync.http
import yaml
from calsync.http.entry import ENTRY_POINTS

DOCUMENT = Path(calsync.http.__file__).parent / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def _served() -> set[tuple[str, str]]:
    served = set()
    for entry in ENTRY_POINTS.values():
        for route in entry.routes:
            path = re.sub(r"<(\w+)>", r"{\1}", route.path)
            served |= {(method.lower(), path) for method in route.methods}
    return served


def test_the_openapi_paths_are_the_served_routes() -> None:
    document = yaml.safe_load(DOCUMENT.read_text())
    documented = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    assert documented == _served()


def test_every_reference_resolves() -> None:
    text = DOCUMENT.read_text()
    document = yaml.safe_load(text)
    for ref in set(re.findall(r'\$ref: "#/([^"]+)"', text)):
        node = document
        for part in ref.split("/"):
            node = node[part]
        assert node, ref
