"""The stack's state directory (`.calsync/`, git-ignored): its keys and `dev.json`.

Keys are made on first use and kept, so tokens from `calsync token` stay valid across restarts
of the stack: `bearer-signing-key.pem` signs CRM user tokens, `local-key` seals OAuth tokens at
rest (AES-256). Both files are readable by their owner only and never leave the directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calsync.auth.bearer import generate_signing_key
from calsync.auth.keyring import generate_local_key

DEFAULT_DIR = Path(".calsync")
INFO_FILE = "dev.json"


class StateDir:
    """One state directory: keys (created on first use) and the running stack's description."""

    def __init__(self, path: Path = DEFAULT_DIR, info_file: str = INFO_FILE) -> None:
        self.path = path
        self.info_file = info_file  # the demo's stack writes demo.json, not a dev stack's file

    @property
    def info_path(self) -> Path:
        return self.path / self.info_file

    def signing_key(self) -> str:
        """The PEM RSA key CRM user tokens are signed with."""
        return self._secret("bearer-signing-key.pem", generate_signing_key)

    def existing_signing_key(self) -> str | None:
        """The signing key if a stack made one here, without making one (tokens signed by a
        new key would be accepted by no stack)."""
        path = self.path / "bearer-signing-key.pem"
        return path.read_text().strip() if path.exists() else None

    def local_key(self) -> str:
        """The base64 AES key OAuth tokens are sealed with."""
        return self._secret("local-key", generate_local_key)

    def write_info(self, info: dict[str, Any]) -> Path:
        self._ensure()
        temporary = self.info_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
        os.chmod(temporary, 0o600)  # it holds a bearer token
        temporary.replace(self.info_path)
        return self.info_path

    def read_info(self) -> dict[str, Any] | None:
        """What the running stack wrote, or None when no stack wrote one."""
        try:
            info: dict[str, Any] = json.loads(self.info_path.read_text())
        except FileNotFoundError:
            return None
        return info

    def remove_info(self, pid: int) -> None:
        """Forget `dev.json` if the stack of process `pid` wrote it (not a newer stack's)."""
        info = self.read_info()
        if info is not None and info.get("pid") == pid:
            self.info_path.unlink(missing_ok=True)

    def _secret(self, name: str, make: Callable[[], str]) -> str:
        path = self.path / name
        if path.exists():
            return path.read_text().strip()
        self._ensure()
        value = make().strip()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value + "\n")
        return value

    def _ensure(self) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        ignore = self.path / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
