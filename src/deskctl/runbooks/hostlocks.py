"""`lock: true`: no two runs on the same target host at once. The lock is the store backend's
(`locks.host`: a lock file per host under `<data>/locks/` on a file desk); a held lock fails
the second run at once (exit 4) naming the holder.

A host is locked as a machine, not as a name: the key is its inventory address (IP addresses
in canonical form, names in lower case) and port, as ssh_config maps them, so `web1` and `127.0.0.1` (the same sshd)
exclude each other. A lock file says what holds it (SOP, run id, pid, machine, actor, since),
never a parameter value, and only its owner can read it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager


def lock_key(host, settings=None) -> str:
    """The machine `host` stands for: `ADDRESS:PORT`, or `local` for this machine. With its
    effective SSH `settings`, the address and port ssh_config gives (HostName, Port)."""
    if host.is_local:
        return "local"
    address, port = (settings.hostname, settings.port) if settings is not None else (host.address, host.port)
    address = str(address).strip().strip("[]").rstrip(".").lower()
    import ipaddress  # only runs that lock need it

    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        pass
    else:
        mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
        address = (mapped or ip).compressed
    return f"{address}:{port}"


@contextmanager
def host_locks(plan) -> Iterator[None]:
    runbook, run = plan.runbook, plan.run
    if not runbook.lock or run.dry_run:
        yield
        return
    timeout = float((run.desk.setting("runbooks", default={}) or {}).get("lock_timeout", 0))
    by_key: dict[str, list[str]] = {}  # two names of one machine take its lock once
    for host in plan.hosts:
        by_key.setdefault(lock_key(host, run.ssh_settings.get(host.name)), []).append(host.name)
    from deskctl.store import open_backend

    locks = open_backend(run.desk, run.actor).locks
    with ExitStack() as held:
        # a fixed order, so two runs on overlapping hosts cannot deadlock each other
        for key in sorted(by_key):
            names = ", ".join(by_key[key])
            held.enter_context(locks.host(
                key, timeout=timeout, what=f"host {names} ({key}, SOP run lock)", actor=run.actor,
                details={"sop": runbook.name, "run_id": run.run_id, "target": key}))
        yield
