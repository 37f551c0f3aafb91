"""Run records: one JSON file per run in `<data>/runs/`, written atomically (tmp, fsync,
rename) and always through the secret registry, so no record ever holds a secret.

A record says `running` from the start of its run until its final write. Should that write
never happen (the process was killed, or the disk was full), the record is shown as
`abandoned` once the process named in it is gone; the file itself is left as it is (reading
commands do not write, and the disk may still be full)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from deskctl.errors import NotFound
from deskctl.util import clock, redact
from deskctl.util.fileio import atomic_write

RUN_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


def runs_dir(desk) -> Path:
    return desk.data_dir / "runs"


def new_run_id() -> str:
    return f"{clock.now():%Y%m%d-%H%M%S}-{os.urandom(3).hex()}"


def _process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), to tell it from a
    later process given the same pid; None where /proc is not there."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    return stat.rpartition(b")")[2].split()[19].decode()  # field 22: starttime


def owner() -> dict[str, Any]:
    """Who is running a run: stored in its record while it says `running`."""
    return {"pid": os.getpid(), "pid_start": _process_start(os.getpid()), "node": os.uname().nodename}


def abandoned(record: dict[str, Any]) -> bool:
    """A record that says `running` whose process on this machine is gone (killed, or its
    final record could not be written): it will never be finished."""
    if record.get("status") != "running" or not record.get("pid") or record.get("node") != os.uname().nodename:
        return False
    pid = int(record["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        pass
    started = _process_start(pid)
    return bool(record.get("pid_start") and started and started != record["pid_start"])


def shown(record: dict[str, Any]) -> dict[str, Any]:
    """The record as people see it: an abandoned `running` one says `abandoned`."""
    if abandoned(record):
        return {**record, "status": "abandoned",
                "abandoned": f"process {record['pid']} that ran it ended without finishing its record"}
    return record


def save(desk, record: dict[str, Any]) -> Path:
    """Write the record (atomically). A `running` record gets its owner (see `abandoned`).

    When the disk is full, a compact record (without the steps' output tails) is tried
    before giving up with DiskError: the outcome matters more than the output."""
    from deskctl.util.fileio import DiskError

    if record.get("status") == "running":
        record.update({k: v for k, v in owner().items() if k not in record})
    folder = runs_dir(desk)
    path = folder / f"{record['id']}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from deskctl.util.fileio import as_disk_error

        problem = as_disk_error(exc, folder, "the run record is not written")
        if problem is None:
            raise
        raise problem from None
    try:
        _write(path, record)
    except DiskError:
        if record.get("status") == "running":
            raise
        _write(path, _compact(record))
    return path


def _write(path: Path, record: dict[str, Any]) -> None:
    data = json.dumps(redact.redact_data(record), ensure_ascii=False, indent=1, default=str)
    atomic_write(path, data + "\n")


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    hosts = [{**h, "steps": [{k: v for k, v in s.items() if k not in ("stdout_tail", "stderr_tail")}
                             for s in h.get("steps", [])]} for h in record.get("hosts", [])]
    return {**record, "hosts": hosts, "output_dropped": "the disk was full: the steps' output is not kept"}


def load(desk, run_id: str) -> dict[str, Any]:
    path = runs_dir(desk) / f"{run_id}.json"
    if not RUN_ID_RE.match(run_id) or not path.is_file():
        raise NotFound(f"no run {run_id!r} in {desk.rel(runs_dir(desk))}", "see `deskctl sop history`")
    return shown(json.loads(path.read_text(encoding="utf-8")))


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
        record = shown(record)
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
