"""`requires:`: the tools a SOP needs, checked on each host before its first step."""

from __future__ import annotations

from tests.runbooks.conftest import fake_bin, ssh_hosts, write_inventory

SOP = """\
name: needs-tools
description: uses a tool only one host has
requires: [sh, deskctl-test-tool]
targets: web
steps:
  - name: use it
    ssh: deskctl-test-tool
rollback:
  - name: undo
    ssh: echo rolled back
"""


def test_a_host_without_a_required_tool_fails_before_any_step_naming_tool_and_host(desk, sshd, sshrun, tmp_path):
    tools = fake_bin(tmp_path / "bin", {"deskctl-test-tool": "echo tool ran"})
    hosts = ssh_hosts(sshd, [("web1", "127.0.0.1")], path_prepend=[str(tools)])
    hosts.update(ssh_hosts(sshd, [("web2", "127.0.0.2")]))
    write_inventory(desk, hosts, groups={"web": {"hosts": ["web1", "web2"]}})
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    (desk / "sops" / "needs-tools.yaml").write_text(SOP)
    result = sshrun("sop", "run", "needs-tools", "--yes", "--json")
    assert result.code == 1, result
    by_host = {h["host"]: h for h in result.json()["hosts"]}
    assert by_host["web1"]["status"] == "ok"
    assert [s["name"] for s in by_host["web1"]["steps"]] == ["installed tools", "use it"]
    web2 = by_host["web2"]
    assert web2["status"] == "failed" and web2["failed_step"] == "installed tools"
    assert web2["reason"] == ("deskctl-test-tool not installed on web2 (needed by needs-tools; "
                              "on Debian/Ubuntu: apt-get install -y deskctl-test-tool)")
    # nothing ran on web2, so there was nothing to roll back
    assert [(s["section"], s["name"]) for s in web2["steps"]] == [("requires", "installed tools")]


def test_requires_must_be_command_names(drun, desk):
    (desk / "sops" / "needs-tools.yaml").write_text(SOP.replace("[sh, deskctl-test-tool]", "['rm -rf /']"))
    result = drun("sop", "validate")
    assert result.code == 2
    assert "sops/needs-tools.yaml:3: requires must be a list of command names" in result.stderr
