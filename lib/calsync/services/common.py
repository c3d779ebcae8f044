"""What the use cases share: their dependencies, ownership checks, input parsing, job requests,
and calls to an account's calendar that turn a dead authorization into `needs_reauth`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from calsync.auth.vault import CredentialVault
from calsync.config import Settings
from calsync.domain.account import NEEDS_REAUTH_CODE, Account, AccountStatus, Problem
from calsync.domain.activity import User
from calsync.domain.schedule import evolve
from calsync.errors import InvalidInput, NeedsReauthorization, NotFound, ProviderAuthError
from calsync.ports import CalendarProvider, Clock, Keyring, Storage, TaskQueue, UnitOfWork
from calsync.sync.jobs import request_job

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

REAUTH_MESSAGE = "Google no longer accepts calsync's access to this calendar: reconnect it."


@dataclass(frozen=True)
class ServiceContext:
    """The adapters and settings every service works with."""

    storage: Storage
    clock: Clock
    queue: TaskQueue
    keyring: Keyring
    vault: CredentialVault
    settings: Settings

    def request_job(self, account_id: str, *, pull: bool = True) -> bool:
        """Ask for a sync job of the account, coalesced with others of its window (at once
        if it is the window's first; see `sync/jobs.py`). `pull=False`: asked for by CRM
        changes alone, the job need not pull first."""
        now, window = self.clock.now(), self.settings.coalesce_window
        return request_job(self.queue, account_id, now, window, pull=pull)

    def call_calendar(self, account: Account, work: Callable[[CalendarProvider], T]) -> T:
        """Run `work` against the account's calendar.

        If the provider refuses the stored authorization, the account is recorded as
        `needs_reauth` (with a message saying what to do) and NeedsReauthorization is raised.
        """
        try:
            return work(self.vault.open_provider(account))
        except ProviderAuthError:
            self.record_needs_reauth(account.id)
            raise NeedsReauthorization(REAUTH_MESSAGE) from None

    def record_needs_reauth(self, account_id: str) -> None:
        now = self.clock.now()
        problem = Problem(code=NEEDS_REAUTH_CODE, message=REAUTH_MESSAGE, at=now)

        def work(uow: UnitOfWork) -> None:
            account = uow.accounts.get(account_id)
            if account is not None:
                uow.accounts.put(
                    evolve(
                        account, status=AccountStatus.NEEDS_REAUTH, error=problem, updated_at=now
                    )
                )

        self.storage.transaction(work)


def is_owner(account: Account, user: User) -> bool:
    return (account.company_id, account.user_id) == (user.company_id, user.id)


def owned(account: Account | None, user: User) -> Account:
    """The account if it is the user's; NotFound otherwise (another's account is "not found")."""
    if account is None or not is_owner(account, user):
        raise NotFound("no such account")
    return account


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """Each wrong field of a pydantic error as dotted path -> message."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in error["loc"]) or "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        fields.setdefault(prefix + path, message)
    return fields


def parse(model: type[M], data: Mapping[str, Any], what: str) -> M:
    """`data` validated as `model`; InvalidInput naming each wrong field."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidInput(f"invalid {what}", field_errors(exc)) from None
