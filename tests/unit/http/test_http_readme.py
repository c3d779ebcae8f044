"""The API README names every setting calsync reads (its `Settings (CALSYNC_*)` section)."""

from __future__ import annotations

import re
from pathlib import Path

import calsync.http
from calsync.config import Settings

README = Path(calsync.http.__file__).parent / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text()
    section = text[text.index("## Settings (`CALSYNC_*`)") :]
    section = section[: section.index("\n## ", 1)]
    named = set(re.findall(r"`([a-z0-9_]+)`", section))
    assert set(Settings.model_fields) - named == set()
