"""`deskctl cmdb verify` against the real loopback sshd (acceptance 5): the facts the
cmdb-facts SOP collects, a memory size that differs from the record, `--apply`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runbooks.conftest import ssh_hosts, write_inventory


def _memory_mib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


@pytest.fixture
def vrun(drun, desk, sshd, tmp_path):
    """deskctl in a desk whose web1 and web2 are the loopback sshd, their keys trusted."""
    write_inventory(desk, ssh_hosts(sshd, [("web1", "127.0.0.1"), ("web2", "127.0.0.2")], groups=["web"]))
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())

    def _run(*args, **kwargs):
        env = {"DESKCTL_USER_KNOWN_HOSTS": str(tmp_path / "user_known_hosts"), **kwargs.pop("env", {})}
        return drun(*args, env=env, **kwargs)

    return _run


def test_verify_reports_a_memory_size_that_differs_from_the_record(vrun):
    real = _memory_mib()
    assert vrun("cmdb", "update", "web1", "--set", "memory=1G", "--why", "as ordered").code == 0
    assert vrun("cmdb", "update", "web2", "--set", f"memory={round(real / 1024)}G", "--why", "as ordered").code == 0
    result = vrun("cmdb", "verify", "--hosts", "web", "--json")
    assert result.code == 1, result
    hosts = {h["host"]: h for h in result.json()["hosts"]}
    assert hosts["web1"]["status"] == "ok" and hosts["web1"]["facts"]["memory"] == f"{real}M"
    assert {"field": "attributes.memory", "recorded": "1G", "found": f"{real}M"} in hosts["web1"]["differences"]
    assert "attributes.memory" not in {d["field"] for d in hosts["web2"]["differences"]}  # within 10%
    assert hosts["web1"]["facts"]["kernel"] and hosts["web1"]["facts"]["cpus"].isdigit()
    table = vrun("cmdb", "verify", "--hosts", "web1")
    assert table.code == 1 and "memory" in table.stdout and "1G" in table.stdout and f"{real}M" in table.stdout
    assert "differ from the record: web1" in table.stderr


def test_apply_records_the_facts_as_an_update_in_the_change(vrun):
    from tests.cmdb.conftest import approved_change

    chg = approved_change(vrun, "Audit web1")
    assert vrun("cmdb", "update", "web1", "--set", "memory=1G", "--why", "as ordered").code == 0
    applied = vrun("cmdb", "verify", "--hosts", "web1", "--apply", "--change", chg, "--json")
    assert applied.code == 0, applied
    entry = vrun("cmdb", "history", "web1", "--json").json()[-1]
    assert entry["change"] == chg and entry["outside_change"] is False
    assert entry["changes"]["attributes.memory"] == ["1G", f"{_memory_mib()}M"]
    assert "cmdb verify: facts collected by run" in entry["why"]
    shown = vrun("cmdb", "show", "web1", "--json").json()
    assert shown["attributes"]["memory"] == f"{_memory_mib()}M" and shown["attributes"]["address"] == "127.0.0.1"


def test_an_unreachable_host_is_named_and_exits_1(vrun, desk, sshd):
    write_inventory(desk, {**ssh_hosts(sshd, [("web1", "127.0.0.1")]),
                           "web9": {**ssh_hosts(sshd, [("web9", "127.0.0.9")])["web9"]}})
    result = vrun("cmdb", "verify", "--hosts", "web9")
    assert result.code == 1 and "not reached: web9" in result.stderr, result
