"""Deployed functions log JSON lines with a severity, at INFO and above."""

from __future__ import annotations

import json
import logging

import pytest
from calsync import logs


def test_info_records_become_json_lines_with_severity(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("calsync")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        logger.handlers.clear()
        logs.configure("INFO")
        logs.configure("INFO")  # idempotent: still one line per record
        logging.getLogger("calsync.sync.job").info("job of account %s: %s", "acc1", "done")
        logging.getLogger("calsync.x").debug("not shown")
        lines = capsys.readouterr().out.splitlines()
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
    assert [json.loads(line) for line in lines] == [
        {"severity": "INFO", "message": "job of account acc1: done", "logger": "calsync.sync.job"}
    ]
