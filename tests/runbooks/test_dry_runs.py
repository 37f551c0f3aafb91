"""A dry run of every shipped SOP shows every step as it would run, never a template error."""

from __future__ import annotations

import pytest

# the smallest parameters each shipped SOP needs, on this machine
PARAMS = {
    "clear-print-queue": ["target=localhost", "printer=hp1"],
    "cmdb-facts": [],
    "collect-logs": ["target=localhost"],
    "disk-cleanup": ["target=localhost", "path=/var/tmp"],
    "network-diagnostics": ["target=localhost"],
    "reset-password": ["user=ana"],
    "restart-service": ["service=cups"],
    "unlock-account": ["user=ana"],
}


def test_every_shipped_sop_is_listed_here(desk):
    assert {p.stem for p in (desk / "sops").glob("*.yaml")} == set(PARAMS)


@pytest.mark.parametrize("sop", sorted(PARAMS))
def test_a_dry_run_tied_to_a_ticket_renders_every_step(drun, sop):
    ticket = drun("ticket", "create", "--title", "Dry run", "--requester-email", "ana@example.com").stdout.strip()
    args = [x for p in PARAMS[sop] for x in ("-p", p)] + (["--hosts", "localhost"] if sop == "restart-service" else [])
    result = drun("sop", "run", sop, *args, "--ticket", ticket, "--dry-run", "--json")
    assert result.code == 0, result
    steps = [s for host in result.json()["hosts"] for s in host["steps"]]
    assert steps
    for step in steps:
        assert "error" not in step["would"].lower(), (sop, step)
