"""Fault injection, the per-user quota and the request counters behind ``/_admin``.

Faults are set per method name (``events.insert``, ``events.list``, ..., ``oauth.token``;
``*`` for every Calendar API method): random rates of 500, 503, 403 ``rateLimitExceeded`` and
429, a deterministic queue of statuses for the next calls (``failNext``) and added latency.
The quota is a sliding one-minute window of quota units per user (a patch costs 3 units, any
other call 1, a batch of n calls n), refused with 403 ``userRateLimitExceeded`` or 429
``rateLimitExceeded``. Push faults drop, duplicate or delay notifications.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict, deque
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from emulators.google import errors
from emulators.google.errors import ApiError

FaultStatus = Literal[401, 403, 429, 500, 503]
UNIT_COST = {"events.patch": 3}


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class MethodFaults(_Model):
    """Faults of one method (JSON keys in camelCase, e.g. ``rateLimit429``, ``failNext``)."""

    error500: float = Field(0.0, ge=0, le=1)
    error503: float = Field(0.0, ge=0, le=1)
    rate_limit403: float = Field(0.0, ge=0, le=1)
    rate_limit429: float = Field(0.0, ge=0, le=1)
    latency_ms: int = Field(0, ge=0, le=60_000)
    fail_next: list[FaultStatus] = Field(default_factory=list, max_length=1000)


class Quota(_Model):
    """Quota units a user may spend per sliding minute (None: unlimited) and the refusal code."""

    user_per_minute: int | None = Field(None, ge=1)
    status: Literal[403, 429] = 403


class PushFaults(_Model):
    """How often notifications are dropped or duplicated, and how late they are sent."""

    drop_rate: float = Field(0.0, ge=0, le=1)
    duplicate_rate: float = Field(0.0, ge=0, le=1)
    delay_ms: int = Field(0, ge=0, le=600_000)


class Faults(_Model):
    """The whole fault configuration, as ``POST /_admin/faults`` takes and returns it."""

    methods: dict[str, MethodFaults] = Field(default_factory=dict)
    quota: Quota = Field(default_factory=Quota)
    push: PushFaults = Field(default_factory=PushFaults)
    seed: int | None = None


def fault_error(status: int) -> ApiError:
    if status == 401:
        return errors.unauthorized()
    if status in (403, 429):
        return errors.rate_limited(status)
    return errors.backend_error(status)


class Control:
    """Current faults, quota windows and counters (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults = Faults()
        self._random = random.Random()
        self._windows: dict[str, deque[tuple[float, int]]] = defaultdict(deque)
        self.reset_stats()

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._random = random.Random(faults.seed)
            self._windows.clear()

    def reset_stats(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()
            self.units_by_method: Counter[str] = Counter()
            self.units_by_user: Counter[str] = Counter()
            self.statuses: dict[str, Counter[str]] = defaultdict(Counter)
            self.injected: Counter[str] = Counter()
            self.batch: Counter[str] = Counter()
            self.push: Counter[str] = Counter()

    def latency(self, method: str) -> float:
        with self._lock:
            spec = self._find(method)
            return spec.latency_ms / 1000 if spec else 0.0

    def injected_error(self, method: str) -> ApiError | None:
        """The fault to answer this call with, if one is due."""
        status = self.injected_status(method)
        return fault_error(status) if status else None

    def injected_status(self, method: str) -> int | None:
        with self._lock:
            spec = self._find(method)
            if spec is None:
                return None
            status = spec.fail_next.pop(0) if spec.fail_next else self._roll(spec)
            if status:
                self.injected[method] += 1
            return status

    def _roll(self, spec: MethodFaults) -> int | None:
        draw = self._random.random()
        for status, rate in ((500, spec.error500), (503, spec.error503)):
            if draw < rate:
                return status
            draw -= rate
        for status, rate in ((403, spec.rate_limit403), (429, spec.rate_limit429)):
            if draw < rate:
                return status
            draw -= rate
        return None

    def _find(self, method: str) -> MethodFaults | None:
        """The faults of ``method``; ``*`` covers Calendar API methods, not OAuth endpoints."""
        found = self.faults.methods.get(method)
        if found is None and not method.startswith("oauth."):
            found = self.faults.methods.get("*")
        return found

    def charge(self, method: str, email: str) -> None:
        """Count a call's quota units against ``email``; 403/429 once over the minute's quota."""
        units = UNIT_COST.get(method, 1)
        with self._lock:
            limit = self.faults.quota.user_per_minute
            if limit is not None:
                window, now = self._windows[email], time.monotonic()
                while window and window[0][0] <= now - 60:
                    window.popleft()
                if sum(used for _, used in window) + units > limit:
                    status = self.faults.quota.status
                    reason = "userRateLimitExceeded" if status == 403 else "rateLimitExceeded"
                    raise errors.rate_limited(status, reason)
                window.append((now, units))
            self.units_by_method[method] += units
            self.units_by_user[email] += units

    def count(self, method: str, status: int) -> None:
        with self._lock:
            self.requests[method] += 1
            self.statuses[method][str(status)] += 1

    def count_batch(self, parts: int) -> None:
        with self._lock:
            self.batch["requests"] += 1
            self.batch["parts"] += parts

    def count_push(self, outcome: str) -> None:
        with self._lock:
            self.push[outcome] += 1

    def push_roll(self) -> tuple[bool, bool, float]:
        """``(drop, duplicate, delay_seconds)`` for one notification."""
        with self._lock:
            push = self.faults.push
            drop = self._random.random() < push.drop_rate
            duplicate = self._random.random() < push.duplicate_rate
            return drop, duplicate, push.delay_ms / 1000

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "quotaUnits": {
                    "total": sum(self.units_by_method.values()),
                    "byMethod": dict(self.units_by_method),
                    "byUser": dict(self.units_by_user),
                },
                "statuses": {method: dict(codes) for method, codes in self.statuses.items()},
                "injectedFaults": dict(self.injected),
                "batch": {"requests": self.batch["requests"], "parts": self.batch["parts"]},
                "push": {key: self.push[key] for key in _PUSH_OUTCOMES},
            }


_PUSH_OUTCOMES = ("sent", "failed", "dropped", "duplicated", "delayed", "retried")
