"""What every step of one job shares: storage, the provider, the scope, the lease, the budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from calsync.ports import CalendarProvider, Storage
from calsync.sync.actions import Scope

if TYPE_CHECKING:
    from calsync.sync.budget import Budget
    from calsync.sync.lease import Lease


@dataclass(frozen=True)
class Context:
    storage: Storage
    provider: CalendarProvider
    scope: Scope
    lease: Lease
    budget: Budget
