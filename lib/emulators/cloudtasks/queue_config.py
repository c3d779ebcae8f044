"""Queue configuration: the real service's defaults, its limits, and ``UpdateQueue`` field masks.

Defaults (what ``gcloud tasks queues describe`` shows for a queue created without options):
500 dispatches per second, a burst of 100, 1,000 concurrent dispatches; 100 attempts, back-off
from 0.1 s to 3,600 s with 16 doublings, no retry duration limit. Limits: at most 500 dispatches
per second and 5,000 concurrent dispatches; ``max_attempts`` >= -1. Proto3 cannot tell an unset
number from zero, so a zero means "the default" here as it does in the real API.
"""

from __future__ import annotations

import math
from typing import Any

from google.cloud import tasks_v2
from google.protobuf import field_mask_pb2

from emulators.cloudtasks.errors import invalid, unimplemented
from emulators.cloudtasks.retry import UNLIMITED_ATTEMPTS, seconds

QUEUE_PB: Any = tasks_v2.Queue.pb()
RETRY_PB: Any = tasks_v2.RetryConfig.pb()
MAX_RATE = 500.0
MAX_CONCURRENT = 5000
MAX_BURST = 100
DEFAULT_CONCURRENT = 1000
DEFAULT_MAX_ATTEMPTS = 100
DEFAULT_MIN_BACKOFF = 0.1
DEFAULT_MAX_BACKOFF = 3600.0
DEFAULT_MAX_DOUBLINGS = 16
_OUTPUT_ONLY = ("state", "purge_time", "rate_limits.max_burst_size")


def burst_for(rate: float) -> int:
    """``max_burst_size`` is output only: the rate rounded up, capped at the real default 100."""
    return max(1, min(MAX_BURST, math.ceil(rate)))


def normalized(queue: Any) -> Any:
    """A copy of a requested queue with defaults filled in, or INVALID_ARGUMENT for bad values."""
    config = QUEUE_PB()
    config.CopyFrom(queue)
    for field in _OUTPUT_ONLY:
        _clear(config, field)
    if config.HasField("http_target"):
        raise unimplemented("Queue.http_target (queue-level routing and header overrides)")
    _normalize_rates(config.rate_limits)
    normalize_retry(config.retry_config, defaults=None)
    ratio = config.stackdriver_logging_config.sampling_ratio
    if not 0.0 <= ratio <= 1.0:
        raise invalid(f"stackdriver_logging_config.sampling_ratio must be in [0, 1], got {ratio}")
    return config


def updated(current: Any, request: Any, mask: Any) -> Any:
    """The configuration ``UpdateQueue`` leaves: only the masked fields, or all when empty."""
    if not mask.paths:
        return normalized(request)
    if not mask.IsValidForDescriptor(QUEUE_PB.DESCRIPTOR):
        raise invalid(f"update_mask has an unknown field path: {list(mask.paths)}")
    writable = [path for path in mask.paths if path not in _OUTPUT_ONLY and path != "name"]
    merged = QUEUE_PB()
    merged.CopyFrom(current)
    if writable:
        field_mask_pb2.FieldMask(paths=writable).MergeMessage(
            request, merged, replace_message_field=True, replace_repeated_field=True
        )
    return normalized(merged)


def normalize_retry(config: Any, defaults: Any | None) -> None:
    """Fill a RetryConfig in place: zeros take ``defaults`` (a RetryConfig) or the real defaults."""
    if config.max_attempts < UNLIMITED_ATTEMPTS:
        raise invalid(f"retry_config.max_attempts must be >= -1, got {config.max_attempts}")
    if config.max_doublings < 0:
        raise invalid(f"retry_config.max_doublings must be >= 0, got {config.max_doublings}")
    for field in ("min_backoff", "max_backoff", "max_retry_duration"):
        if seconds(getattr(config, field)) < 0:
            raise invalid(f"retry_config.{field} must not be negative")
    base = defaults if defaults is not None else _default_retry()
    for field in ("max_attempts", "max_doublings"):
        if getattr(config, field) == 0:
            setattr(config, field, getattr(base, field))
    for field in ("min_backoff", "max_backoff", "max_retry_duration"):
        if seconds(getattr(config, field)) == 0:
            getattr(config, field).CopyFrom(getattr(base, field))
    if seconds(config.min_backoff) > seconds(config.max_backoff):
        raise invalid("retry_config.min_backoff must not exceed retry_config.max_backoff")


def _normalize_rates(limits: Any) -> None:
    rate = limits.max_dispatches_per_second
    if rate < 0 or rate > MAX_RATE or math.isnan(rate):
        raise invalid(f"rate_limits.max_dispatches_per_second must be in (0, 500], got {rate}")
    if limits.max_concurrent_dispatches < 0 or limits.max_concurrent_dispatches > MAX_CONCURRENT:
        raise invalid(
            "rate_limits.max_concurrent_dispatches must be in [1, 5000], got "
            f"{limits.max_concurrent_dispatches}"
        )
    limits.max_dispatches_per_second = rate or MAX_RATE
    limits.max_concurrent_dispatches = limits.max_concurrent_dispatches or DEFAULT_CONCURRENT
    limits.max_burst_size = burst_for(limits.max_dispatches_per_second)


def _default_retry() -> Any:
    config = RETRY_PB(max_attempts=DEFAULT_MAX_ATTEMPTS, max_doublings=DEFAULT_MAX_DOUBLINGS)
    config.min_backoff.FromNanoseconds(int(DEFAULT_MIN_BACKOFF * 1e9))
    config.max_backoff.FromSeconds(int(DEFAULT_MAX_BACKOFF))
    return config


def _clear(message: Any, path: str) -> None:
    *parents, leaf = path.split(".")
    for parent in parents:
        message = getattr(message, parent)
    message.ClearField(leaf)
