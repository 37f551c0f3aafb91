"""Headless Chromium for tests of HTML output (status page, KPI report).

Flags as this machine needs them: no sandbox (root), no GPU, and no background networking,
which a closed network would refuse many times per start. Each run gets a fresh profile.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.missing import missing

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    """Chromium's path; missing: a failure under CI=true, else a skip."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing("headless Chromium not found: apt-get install -y chromium")
    return path


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Chromium once with a fresh profile under `tmp_path`; text output captured."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def console_messages(stderr: str) -> list[str]:
    """Lines where the page logged to the console (errors included), from --enable-logging."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
