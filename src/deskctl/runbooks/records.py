"""Run records, kept by the desk's store backend (`runs`), always written through the secret
registry, so no record ever holds a secret.

A record says `running` from the start of its run until its final write. Should that write
never happen (the process was killed, or the disk was full), the record is shown as
`abandoned` once the process named in it is gone; the file itself is left as it is (reading
commands do not write, and the disk may still be full)."""

from __future__ import annotations

import os
import re
from typing import Any

from deskctl.errors import NotFound
from deskctl.util import clock, redact

RUN_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


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
    return record.get("status") == "running" and process_gone(record)


def process_gone(owner: dict[str, Any]) -> bool:
    """True when the process an `owner()` mapping names ran on this machine and has ended
    (its pid is free, or taken by a later process). A process on another machine is never
    judged gone: this machine cannot tell."""
    if not owner.get("pid") or owner.get("node") != os.uname().nodename:
        return False
    pid = int(owner["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        pass
    started = _process_start(pid)
    return bool(owner.get("pid_start") and started and started != owner["pid_start"])


def shown(record: dict[str, Any]) -> dict[str, Any]:
    """The record as people see it: an abandoned `running` one says `abandoned`."""
    if abandoned(record):
        return {**record, "status": "abandoned",
                "abandoned": f"process {record['pid']} that ran it ended without finishing its record"}
    return record


def _runs(desk):
    from deskctl.store import open_backend

    return open_backend(desk).runs


def save(desk, record: dict[str, Any]) -> None:
    """Store the record, redacted. A `running` record gets its owner (see `abandoned`).

    When the disk is full, a compact record (without the steps' output tails) is tried
    before giving up with DiskError: the outcome matters more than the output."""
    from deskctl.util.fileio import DiskError

    if record.get("status") == "running":
        record.update({k: v for k, v in owner().items() if k not in record})
    runs = _runs(desk)
    from deskctl.audit import trail

    trail.touched("run", record.get("id"))
    try:
        runs.put(redact.redact_data(record))
    except DiskError:
        if record.get("status") == "running":
            raise
        runs.put(redact.redact_data(_compact(record)))


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    hosts = [{**h, "steps": [{k: v for k, v in s.items() if k not in ("stdout_tail", "stderr_tail")}
                             for s in h.get("steps", [])]} for h in record.get("hosts", [])]
    return {**record, "hosts": hosts, "output_dropped": "the disk was full: the steps' output is not kept"}


def load(desk, run_id: str) -> dict[str, Any]:
    record = _runs(desk).get(run_id) if RUN_ID_RE.match(run_id) else None
    if record is None:
        raise NotFound(f"no run {run_id!r}", "see `deskctl sop history`")
    return shown(record)


def history(desk, sop: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: summaries of the last `limit` runs (of one SOP when `sop` is given)."""
    rows = []
    for record in _runs(desk).recent():
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
