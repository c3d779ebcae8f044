"""Logging for deployed functions: one JSON line per record, as Cloud Logging reads it.

Cloud Functions (2nd gen) turns each JSON line on stdout into a structured entry whose
`severity` is the level; without a handler, Python would drop everything under WARNING,
including the job outcomes and fan-out reports logged at INFO. Messages never carry secrets:
the code logs ids and outcomes, not tokens or request bodies.
"""

from __future__ import annotations

import json
import logging
import sys

_MARK = "_calsync_handler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        if record.exc_info:
            entry["stack"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    """Send calsync's records at `level` and above to stdout as JSON lines (idempotent)."""
    logger = logging.getLogger("calsync")
    logger.setLevel(level.upper())
    if any(getattr(handler, _MARK, False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _MARK, True)
    logger.addHandler(handler)
    logger.propagate = False
