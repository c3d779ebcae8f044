"""What the emulator counts, and the knobs tests turn (command-line flags, then the admin API)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field

QUEUE_TOMBSTONE = 3 * 24 * 3600.0
COUNTERS = (
    "created",
    "dispatched",
    "succeeded",
    "failed",
    "retried",
    "dropped",
    "duplicated",
    "deleted",
)


class Settings(BaseModel):
    """Run-time options; ``POST /admin/config`` changes any subset, a reset restores the start's."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    duplicate_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Probability that a successfully delivered task is delivered once more right after."""
    tombstone_seconds: float = Field(default=3600.0, ge=0.0)
    """How long a deleted or finished task's name stays taken."""
    queue_tombstone_seconds: float = Field(default=QUEUE_TOMBSTONE, ge=0.0)
    """How long a deleted queue's name stays taken (the reference: "up to 3 days")."""
    min_dispatch_deadline_seconds: float = Field(default=15.0, gt=0.0, le=1800.0)
    """The smallest ``dispatch_deadline`` accepted (15 s in the real service)."""


@dataclasses.dataclass
class Counts:
    """Event counters, for the whole emulator or one queue."""

    created: int = 0
    dispatched: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    dropped: int = 0
    duplicated: int = 0
    deleted: int = 0


class Counters:
    """Totals and per-queue counts of task events (callers hold the state's lock)."""

    def __init__(self) -> None:
        self.total = Counts()
        self.queues: defaultdict[str, Counts] = defaultdict(Counts)

    def bump(self, queue: str, event: str, by: int = 1) -> None:
        for counts in (self.total, self.queues[queue]):
            setattr(counts, event, getattr(counts, event) + by)

    def snapshot(self) -> dict[str, object]:
        return {
            "totals": dataclasses.asdict(self.total),
            "queues": {name: dataclasses.asdict(c) for name, c in sorted(self.queues.items())},
        }
