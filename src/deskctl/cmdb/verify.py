"""The reality check: run the `cmdb-facts` SOP on hosts, compare what it found with their
records, and with `apply` record the differences as an update."""

from __future__ import annotations

import re
from typing import Any

from deskctl.errors import BadInput

SOP = "cmdb-facts"
FACTS = ("os", "kernel", "cpus", "memory", "disks", "listening")
MEMORY_TOLERANCE = 0.10  # the kernel keeps part of RAM: MemTotal is a little below the installed size
SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.I)
UNIT_MIB = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}


def parse_facts(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in FACTS:
            found[key.strip()] = value.strip()
    return found


def size_mib(value: Any) -> float | None:
    """A memory size in MiB: `16G`, `16 GiB`, `4096M`, `4096` (MiB); None when unreadable."""
    match = SIZE_RE.match(str(value))
    if not match:
        return None
    return float(match[1]) * UNIT_MIB[match[2].upper()]


def _differs(key: str, recorded: Any, found: str) -> bool:
    if recorded is None:
        return True
    if key == "memory":
        a, b = size_mib(recorded), size_mib(found)
        if a is not None and b is not None:
            return abs(a - b) > MEMORY_TOLERANCE * max(a, b)
    return str(recorded) != found


def differences(item: dict[str, Any], facts: dict[str, str]) -> list[dict[str, Any]]:
    """[{field, recorded, found}] for each fact the record lacks or contradicts."""
    attributes = item.get("attributes") or {}
    return [{"field": f"attributes.{key}", "recorded": attributes.get(key), "found": value}
            for key, value in facts.items() if _differs(key, attributes.get(key), value)]


def _collect(desk, plugins, actor: str, hosts: str | None) -> dict[str, Any]:
    """Run the SOP as `sop run` does (host locks, Ctrl-C stops it properly); the run record."""
    from deskctl.errors import NotFound
    from deskctl.runbooks import engine, hostlocks, interrupts

    try:
        plan = engine.prepare(desk, plugins, SOP, raw_params={}, actor=actor, hosts=hosts)
    except NotFound as exc:
        if "no SOP named" not in exc.message:
            raise
        raise BadInput(f"this desk has no sops/{SOP}.yaml, which `cmdb verify` runs",
                       "copy it from a new desk (`deskctl init /tmp/new-desk`) into sops/") from None
    stop = plan.run.stop
    stop.armed = False
    with interrupts.trapped(stop), hostlocks.host_locks(plan):
        stop.armed = True
        record = engine.execute(plan)
    if stop.requested:
        from deskctl.errors import Interrupted

        raise Interrupted(f"cmdb verify interrupted by {stop.name} (run {record['id']})", exit_code=stop.exit_code)
    return record


def verify(desk, plugins, backend, who, *, hosts: str | None = None, apply: bool = False) -> dict[str, Any]:
    """{"run": ID, "hosts": [{host, status, reason, facts, differences, applied}]}: `applied`
    is the history entry of the update `apply` made (None when nothing was recorded)."""
    from deskctl.cmdb import catalogue, items
    from deskctl.cmdb.authority import authorise

    if apply:
        authorise(desk, backend, who)  # refused before anything runs
    record = _collect(desk, plugins, who.actor, hosts)
    report = []
    for host in record["hosts"]:
        facts = {}
        for step in host.get("steps") or []:
            if step.get("name") == "facts" and step.get("status") == "ok":
                facts = parse_facts(step.get("stdout_tail") or "")
        found = differences(catalogue.find(desk, backend, host["host"]), facts) if facts else []
        entry = None
        if apply and found:
            values = {d["field"].partition(".")[2]: d["found"] for d in found}
            why = who.why or f"cmdb verify: facts collected by run {record['id']}"
            entry = items.update(desk, backend, host["host"], type(who)(who.actor, who.on_behalf_of, who.change, why),
                                 set_attributes=values)
        report.append({"host": host["host"], "status": host["status"], "reason": host.get("reason"),
                       "facts": facts, "differences": found, "applied": entry})
    return {"run": record["id"], "hosts": report}
