"""The repository keeps its promises: the deployable requirements follow the lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.MULTILINE)


def _pins(path: Path) -> dict[str, str]:
    text = path.read_text()
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(text)}


def test_functions_requirements_pin_what_the_lock_pins() -> None:
    lock = _pins(ROOT / "requirements.lock")
    deployed = _pins(ROOT / "functions" / "requirements.txt")
    assert deployed, "functions/requirements.txt pins nothing"
    mismatched = {name: (v, lock.get(name)) for name, v in deployed.items() if lock.get(name) != v}
    assert not mismatched, f"regenerate with `make lock`: {mismatched}"


def test_every_runtime_dependency_is_deployed() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deployed = _pins(ROOT / "functions" / "requirements.txt")
    names = {re.split(r"[<>=\[ ;]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}
    missing = sorted(name for name in names if name.replace("_", "-") not in deployed)
    assert not missing, f"runtime dependencies missing from functions/requirements.txt: {missing}"
