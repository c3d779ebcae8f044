"""Talking to a running emulator: a ``CloudTasksClient`` on an insecure channel; the admin API.

This is how the product's client is pointed at the emulator too::

    channel = grpc.insecure_channel("127.0.0.1:8123")
    transport = CloudTasksGrpcTransport(channel=channel)
    client = tasks_v2.CloudTasksClient(transport=transport)
"""

from __future__ import annotations

from typing import Any, cast

import grpc
import requests
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport


def tasks_client(address: str) -> tasks_v2.CloudTasksClient:
    """A client of the emulator at ``host:port`` (no credentials, no TLS)."""
    transport = CloudTasksGrpcTransport(channel=grpc.insecure_channel(address))
    return tasks_v2.CloudTasksClient(transport=transport)


class Admin:
    """The emulator's HTTP admin interface at ``base_url`` (``http://host:port``)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._session = requests.Session()

    @property
    def certs_url(self) -> str:
        """The PEM certificate map for ``google.oauth2.id_token.verify_token``."""
        return f"{self.base_url}/oauth2/v1/certs"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/oauth2/v3/certs"

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/admin/stats")

    def reset(self) -> None:
        self._call("POST", "/admin/reset")

    def config(self, **changes: float) -> dict[str, Any]:
        """Change settings (none: just read them); returns the settings now in force."""
        if not changes:
            return self._call("GET", "/admin/config")
        return self._call("POST", "/admin/config", json=changes)

    def _call(self, method: str, path: str, json: object = None) -> dict[str, Any]:
        response = self._session.request(
            method, self.base_url + path, json=json, timeout=self._timeout
        )
        response.raise_for_status()
        return cast(dict[str, Any], response.json())
