"""Announcement records on a real full or read-only disk (a small tmpfs): one clear line,
exit 1, nothing half-written, the records still readable."""

from __future__ import annotations

import pytest

from tests.announcements.conftest import NOW

OUTAGE = ["announce", "create", "unplanned-outage", "--set", "services=vpn",
          "--set", "start=2026-12-01T09:00", "--set", "impact=VPN fails"]


@pytest.mark.parametrize("disk", ["full", "read-only"])
def test_announcement_writes_refused_by_the_disk(run, small_disk, disk):
    desk = small_disk.path / "desk"
    assert run("init", str(desk)).code == 0

    def arun(*args):
        return run(*args, cwd=desk, env={"DESKCTL_NOW": NOW})

    first = arun(*OUTAGE)
    assert first.code == 0, first
    ann_id = first.stdout.strip()
    small_disk.fill(leave=0) if disk == "full" else small_disk.read_only()
    try:
        why = "disk is full" if disk == "full" else "read-only"
        for args in (OUTAGE, ["announce", "update", ann_id, "--set", "impact=VPN slow", "--no-publish"]):
            result = arun(*args)
            assert result.code == 1, result
            assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result
            errors = [line for line in result.stderr.splitlines() if line.startswith("deskctl: error:")]
            assert len(errors) == 1 and why in errors[0] and str(desk / "data") in errors[0], result
        listed = arun("announce", "list", "--json")
        assert listed.code == 0 and [a["id"] for a in listed.json()] == [ann_id], listed
    finally:
        small_disk.free() if disk == "full" else small_disk.writable()
    shown = arun("announce", "show", ann_id, "--json")
    assert shown.code == 0 and "VPN fails" in shown.stdout, shown
    assert not list((desk / "data" / "announcements").glob(".*.tmp"))
