"""`lock: true`: no two runs on the same target host at once. One lock file per host under
`<data>/locks/`; a held lock fails the second run at once (exit 4) naming the holder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deskctl.locking import FileLock


@contextmanager
def host_locks(plan) -> Iterator[None]:
    runbook, run = plan.runbook, plan.run
    if not runbook.lock or run.dry_run:
        yield
        return
    timeout = float((run.desk.setting("runbooks", default={}) or {}).get("lock_timeout", 0))
    held: list[FileLock] = []
    try:
        # a fixed order, so two runs on overlapping hosts cannot deadlock each other
        for host in sorted(plan.hosts, key=lambda h: h.name):
            safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in host.name)
            lock = FileLock(
                run.desk.data_dir / "locks" / f"sop-host-{safe}.lock", timeout=timeout,
                what=f"host {host.name} (SOP run lock)", actor=run.actor,
                details={"sop": runbook.name, "run_id": run.run_id},
            )  # fmt: skip
            lock.acquire()
            held.append(lock)
        yield
    finally:
        for lock in reversed(held):
            lock.release()
