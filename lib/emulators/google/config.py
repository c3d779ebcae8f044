"""Settings of one simulator run: registered OAuth clients, token lifetimes, horizons.

The default client is always registered so tests and the dev stack need no flags. Its
redirect URIs follow Google's rule for loopback (installed-app) clients: any
``http://127.0.0.1``, ``http://localhost`` or ``http://[::1]`` address, any port and path.
Clients given on the command line match their redirect URIs exactly, as Google does for web
clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_CLIENT_ID = "calsync-local.apps.googleusercontent.com"
DEFAULT_CLIENT_SECRET = "calsync-local-secret"
GOOGLE_UI_CLIENT_ID = "google-calendar-ui"
"""The client id recorded on tokens minted by ``/_admin/users/{email}/token`` (Google's apps)."""

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class OAuthClient:
    """A registered OAuth client and the redirect URIs it may use."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()
    loopback_redirects: bool = False

    def allows_redirect(self, uri: str) -> bool:
        if uri in self.redirect_uris:
            return True
        if not self.loopback_redirects:
            return False
        parts = urlsplit(uri)
        return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS


def default_client() -> OAuthClient:
    return OAuthClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, loopback_redirects=True)


@dataclass
class SimulatorConfig:
    """Everything a run is started with (see ``python -m emulators.google --help``)."""

    clients: dict[str, OAuthClient] = field(
        default_factory=lambda: {DEFAULT_CLIENT_ID: default_client()}
    )
    auto_consent: bool = False
    access_token_ttl: int = 3599
    code_ttl: int = 600
    refresh_token_ttl: int | None = None
    """Seconds a refresh token lives (None: forever, unlike Google's testing-mode 7 days)."""
    horizon_days: int = 730
    max_instances: int = 5000
    default_channel_ttl: int = 604800
    max_channel_ttl: int = 30 * 86400

    def add_client(self, client: OAuthClient) -> None:
        self.clients[client.client_id] = client
