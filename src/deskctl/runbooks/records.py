"""Run records: one JSON file per run in `<data>/runs/`, written atomically (tmp, fsync,
rename) and always through the secret registry, so no record ever holds a secret."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from deskctl import clock, redact
from deskctl.errors import NotFound
from deskctl.fileio import atomic_write

RUN_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


def runs_dir(desk) -> Path:
    return desk.data_dir / "runs"


def new_run_id() -> str:
    return f"{clock.now():%Y%m%d-%H%M%S}-{os.urandom(3).hex()}"


def save(desk, record: dict[str, Any]) -> Path:
    folder = runs_dir(desk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['id']}.json"
    data = json.dumps(redact.redact_data(record), ensure_ascii=False, indent=1, default=str)
    atomic_write(path, data + "\n")
    return path


def load(desk, run_id: str) -> dict[str, Any]:
    path = runs_dir(desk) / f"{run_id}.json"
    if not RUN_ID_RE.match(run_id) or not path.is_file():
        raise NotFound(f"no run {run_id!r} in {desk.rel(runs_dir(desk))}", "see `deskctl sop history`")
    return json.loads(path.read_text(encoding="utf-8"))


def history(desk, sop: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: summaries of the last `limit` runs (of one SOP when `sop` is given)."""
    folder = runs_dir(desk)
    if not folder.is_dir():
        return []
    rows = []
    for path in sorted(folder.glob("*.json"), reverse=True):  # ids start with the time
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if sop and record.get("sop") != sop:
            continue
        hosts = record.get("hosts", [])
        rows.append({
            "id": record.get("id"), "sop": record.get("sop"), "status": record.get("status"),
            "started_at": record.get("started_at"), "duration": record.get("duration"),
            "actor": record.get("actor"), "ticket": record.get("ticket"),
            "hosts": len(hosts), "failed": sum(1 for h in hosts if h.get("status") != "ok"),
        })  # fmt: skip
        if len(rows) >= limit:
            break
    return rows
