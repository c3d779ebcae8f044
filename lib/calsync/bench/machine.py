"""What the benchmarks ran on: CPUs, memory, Python, OS, and how busy the machine was."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import psutil


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> dict[str, float]:
    """Load averages (1, 5, 15 minutes) and CPU use over a short look: other work running?"""
    one, five, fifteen = os.getloadavg()
    busy = psutil.cpu_percent(interval=0.5)
    return {"load_1m": one, "load_5m": five, "load_15m": fifteen, "cpu_percent": busy}


def describe() -> dict[str, Any]:
    memory = psutil.virtual_memory()
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gb": round(memory.total / 2**30, 1),
        "memory_available_gb": round(memory.available / 2**30, 1),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "platform": platform.platform(),
        "load_before": load(),
    }
