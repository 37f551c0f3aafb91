"""Whole-process timing with the yardstick interleaved, shared by the benchmark scripts.

The machine is shared and noisy: absolute times drift, ratios measured in one run hold.
Each round runs every command once, in the same order, and the medians are compared.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, datetime


def time_once(argv: Sequence[str], env: dict | None = None, cwd: str | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed


def interleaved(commands: dict[str, Sequence[str]], rounds: int, env: dict | None = None,
                cwd: str | None = None, warmup: int = 2) -> dict[str, float]:
    """Median seconds per named command, all run once per round in turn."""
    for _ in range(warmup):
        for argv in commands.values():
            time_once(argv, env, cwd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            samples[name].append(time_once(argv, env, cwd))
    return {name: statistics.median(values) for name, values in samples.items()}


def bench_env(**extra: str) -> dict[str, str]:
    """The environment children run in: like a user's shell, with compiled bytecode kept
    (PYTHONDONTWRITEBYTECODE would make every start recompile deskctl's modules)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("DESKCTL_")}
    env.update(extra)
    return env


def machine() -> str:
    return f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()})"


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
