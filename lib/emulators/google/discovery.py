"""The Calendar v3 discovery document, served with the simulator as its root URL.

The document is the one bundled with google-api-python-client, read once at start. Served
copies get ``rootUrl``/``baseUrl`` rewritten to the URL the client used to reach us, so
``build(..., discoveryServiceUrl=...)`` and ``new_batch_http_request()`` both target the
simulator. Each method's ``scopes`` list is also what the simulator checks tokens against.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any


class Discovery:
    """The parsed document and the accepted scopes of each method."""

    def __init__(self) -> None:
        source = resources.files("googleapiclient.discovery_cache") / "documents/calendar.v3.json"
        self.document: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
        self.method_scopes: dict[str, frozenset[str]] = {}
        self._collect(self.document.get("resources", {}))

    def _collect(self, resources_: dict[str, Any]) -> None:
        for resource in resources_.values():
            for method in resource.get("methods", {}).values():
                short = method["id"].removeprefix("calendar.")
                self.method_scopes[short] = frozenset(method.get("scopes", ()))
            self._collect(resource.get("resources", {}))

    @property
    def known_scopes(self) -> frozenset[str]:
        scopes = self.document.get("auth", {}).get("oauth2", {}).get("scopes", {})
        return frozenset(scopes)

    def served(self, root_url: str) -> dict[str, Any]:
        """A copy whose URLs point at ``root_url`` (which ends with ``/``)."""
        document = copy.copy(self.document)
        document["rootUrl"] = root_url
        document["baseUrl"] = root_url + document["servicePath"]
        return document
