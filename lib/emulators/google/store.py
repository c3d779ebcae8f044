"""The in-memory state of the simulator and the one lock that guards it.

Handlers take ``store.lock`` for the whole of a call, so each API call is atomic; the push
sender and the HTTP server threads never touch the data without it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable

from emulators.google import errors
from emulators.google.model import Calendar, User, role_rank

_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+")


def valid_email(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(_EMAIL.fullmatch(value))


def stable_sub(email: str) -> str:
    """A Google-like numeric subject id that stays the same for an email across resets."""
    digest = hashlib.sha256(email.lower().encode()).hexdigest()
    return "1" + str(int(digest, 16) % 10**20).zfill(20)


class Store:
    """Users and calendars, a tick clock and a generation id (a new one on every reset)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.calendars: dict[str, Calendar] = {}
        self.generation = secrets.token_hex(4)
        self._last_tick = 0
        self.listeners: list[Callable[[str], None]] = []

    def reset(self) -> None:
        with self.lock:
            self.users.clear()
            self.calendars.clear()
            self.generation = secrets.token_hex(4)

    def changed(self, calendar_id: str) -> None:
        """Tell the listeners (push channels) that a calendar's events changed."""
        for listener in self.listeners:
            listener(calendar_id)

    def tick(self) -> int:
        """A strictly increasing microsecond timestamp (never repeats, even after a reset)."""
        with self.lock:
            self._last_tick = max(time.time_ns() // 1000, self._last_tick + 1)
            return self._last_tick

    def ensure_user(self, email: object, name: str | None = None) -> tuple[User, bool]:
        """The user for ``email`` with its primary calendar, created if new."""
        if not isinstance(email, str) or not valid_email(email):
            raise errors.invalid(f"Invalid email address: {str(email)[:80]!r}")
        key = email.lower()
        with self.lock:
            if key in self.users:
                return self.users[key], False
            display = name or key.split("@", 1)[0].replace(".", " ").title()
            user = User(email=key, sub=stable_sub(key), name=display)
            self.users[key] = user
            self.calendars[key] = Calendar(
                id=key,
                owner=key,
                summary=key,
                time_zone=user.time_zone,
                primary=True,
                tick=self.tick(),
                acl={key: "owner"},
            )
            return user, True

    def user(self, email: str) -> User:
        found = self.users.get(email.lower())
        if found is None:
            raise errors.not_found(f"No such user: {email}")
        return found

    def calendar(self, email: str, calendar_id: str, minimum: str = "freeBusyReader") -> Calendar:
        """The calendar ``calendar_id`` (or ``primary``) as ``email`` sees it.

        404 ``notFound`` if it does not exist or the user has no access; 403 if the user's role
        is below ``minimum`` (e.g. a reader trying to write).
        """
        key = email.lower() if calendar_id == "primary" else calendar_id
        found = self.calendars.get(key)
        if found is None or found.role_of(email) == "none":
            raise errors.not_found()
        if role_rank(found.role_of(email)) < role_rank(minimum):
            raise errors.forbidden(
                "You need to have writer access to this calendar.", "requiredAccessLevel"
            )
        return found

    def calendars_of(self, email: str) -> list[Calendar]:
        return [cal for cal in self.calendars.values() if email in cal.acl]
