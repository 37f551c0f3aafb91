"""The announcement store: atomic files, unique ids under concurrency, one JSON per record."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import deskctl_executable


def test_concurrent_creates_get_unique_ids(desk, base_env):
    env = dict(base_env, DESKCTL_NOW="2026-12-01T10:00:00+01:00")
    args = ["announce", "create", "feature-release", "--set", "services=crm", "--set", "start=2026-12-02T08:00",
            "--set", "features=New reports"]
    procs = [subprocess.Popen([deskctl_executable(), *args], cwd=desk, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    ids = sorted(out.strip() for out, _ in outputs)
    assert ids == [f"ANN-000{i}" for i in range(1, 7)]
    folder = desk / "data" / "announcements"
    files = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".lock"))
    assert files == [f"ANN-000{i}.json" for i in range(1, 7)]  # no temporary file left behind
    for name in files:
        record = json.loads((folder / name).read_text(encoding="utf-8"))
        assert record["id"] == name[:-5] and record["status"] == "draft"


def test_records_keep_non_ascii_text_readable(drun, desk):
    assert drun("announce", "create", "unplanned-outage", "--set", "services=mail", "--set", "start=2026-12-01T09:00",
                "--set", "impact=Почта не работает").code == 0
    text = (desk / "data" / "announcements" / "ANN-0001.json").read_text(encoding="utf-8")
    assert "Почта не работает" in text
