"""Everything is checked before anything runs (acceptance item 3)."""

from __future__ import annotations

import socket
import threading

from tests.runbooks.conftest import write_inventory

BROKEN = """\
name: broken
params:
  service: {type: string, required: true}
steps:
  - name: restart
    shh: systemctl restart {{ service }}
  - name: verify
    ssh: systemctl is-active {{ servce }}
"""


def test_validate_lists_a_typo_in_a_step_type_and_an_undefined_variable(drun, desk):
    (desk / "sops" / "broken.yaml").write_text(BROKEN)
    result = drun("sop", "validate")
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert any(l.startswith("sops/broken.yaml:6:") and "'shh'" in l and "did you mean 'ssh'" in l for l in lines), result
    assert any(l.startswith("sops/broken.yaml:8:") and "undefined variable 'servce'" in l and "'service'" in l for l in lines), result
    assert "Traceback" not in result.stderr
    as_json = drun("sop", "validate", "--json", str(desk / "sops" / "broken.yaml"))
    assert as_json.code == 2 and len(as_json.json()["problems"]) == 2


def test_config_check_validates_sops_and_inventory(drun, desk):
    (desk / "sops" / "broken.yaml").write_text(BROKEN)
    (desk / "config" / "inventory.yaml").write_text("hosts:\n  web1:\n    adress: 10.0.0.1\n")
    result = drun("config", "check", "--json")
    assert result.code == 2
    problems = result.json()["problems"]
    assert any(p.startswith("config/inventory.yaml:3:") and "adress" in p for p in problems)
    assert any(p.startswith("sops/broken.yaml:6:") for p in problems)


def test_shipped_sops_are_valid(drun):
    result = drun("sop", "validate", "--json")
    assert result.code == 0, result
    assert len(result.json()["files"]) >= 7


def test_schema_errors_are_reported_all_at_once(drun, desk):
    (desk / "sops" / "bad.yaml").write_text(
        "name: bad\nconfrim: true\nparams:\n  n: {type: integr}\n  c: {type: choice}\n"
        "steps:\n  - name: a\n    ssh: true\n    retries: many\n  - ssh: echo\n    local: echo\n"
    )
    result = drun("sop", "validate")
    assert result.code == 2
    for expected in ("bad.yaml:2: unknown key 'confrim' (did you mean 'confirm'?)", "bad.yaml:4:", "integr",
                     "bad.yaml:5:", "choices", "bad.yaml:9:", "retries", "bad.yaml:10:", "several actions"):
        assert expected in result.stderr, expected


class CountingListener:
    """A TCP listener standing in for a host: counts every connection attempt."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def test_bad_parameters_exit_2_naming_them_and_connect_to_nothing(drun, desk):
    listener = CountingListener()
    try:
        write_inventory(desk, {"web1": {"address": "127.0.0.1", "port": listener.port, "groups": ["web"]}})
        missing = drun("sop", "run", "restart-service", "--yes")
        assert missing.code == 2
        assert "sops/restart-service.yaml:" in missing.stderr and "'service' is required" in missing.stderr
        bad = drun("sop", "run", "restart-service", "-p", "service=nginx; reboot", "--yes")
        assert bad.code == 2
        assert "'service'" in bad.stderr and "does not match the pattern" in bad.stderr
        unknown = drun("sop", "run", "restart-service", "-p", "service=nginx", "-p", "sevrice=x", "--yes")
        assert unknown.code == 2 and "no parameter 'sevrice'" in unknown.stderr
        assert listener.accepted == 0
        assert not (desk / "data" / "runs").exists()
    finally:
        listener.close()


def test_unknown_sop_and_unknown_host_are_exit_2(drun):
    result = drun("sop", "run", "restart-servce", "-p", "service=x")
    assert result.code == 2 and "did you mean 'restart-service'" in result.stderr
    result = drun("sop", "run", "restart-service", "-p", "service=x", "--hosts", "nohost", "--yes")
    assert result.code == 2 and "'nohost'" in result.stderr


def test_host_variable_missing_on_a_target_is_exit_2(drun, desk):
    write_inventory(desk, {"localhost": {"connection": "local", "vars": {"svc": "cron"}},
                           "other": {"connection": "local"}})
    (desk / "sops" / "v.yaml").write_text("name: v\ntargets: all\nsteps:\n  - name: s\n    ssh: echo {{ svc }}\n")
    assert drun("sop", "validate").code == 0  # svc is a host variable of the inventory
    result = drun("sop", "run", "v")
    assert result.code == 2 and "host other has no variable 'svc'" in result.stderr
    assert drun("sop", "run", "v", "--hosts", "localhost").code == 0


def test_show_and_list(drun):
    listed = drun("sop", "list", "--json").json()
    names = {r["name"] for r in listed}
    assert {"restart-service", "reset-password", "unlock-account", "clear-print-queue", "disk-cleanup",
            "network-diagnostics", "collect-logs"} <= names
    shown = drun("sop", "show", "reset-password", "--json").json()
    assert [p["name"] for p in shown["params"]] == ["user", "password"]
    assert shown["params"][1]["secret"] is True
    text = drun("sop", "show", "restart-service")
    assert text.code == 0 and "PARAMETERS" in text.stdout and "ROLLBACK" in text.stdout


# --- parameters that choose what a SOP acts on: folders and accounts ---------------------------

def test_path_parameter_refuses_system_folders_however_written(drun, desk):
    for value in ("/", "/.", "/etc/.", "//etc", "/tmp/../etc", "/var/lib", "/opt/x", "/var/tmp/../../usr/bin",
                  "/home/ana", "tmp", "/srv/scratch"):
        result = drun("sop", "run", "disk-cleanup", "-p", f"path={value}", "--dry-run")
        assert result.code == 2, (value, result)
        problem = result.stderr.splitlines()[0]
        assert problem.startswith("sops/disk-cleanup.yaml:") and "parameter 'path'" in problem, (value, result)
        if value != "tmp":
            assert "allowed: /tmp, /var/tmp, /var/crash" in problem, (value, result)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 2, result
    assert not (desk / "data" / "runs").exists()
    ok = drun("sop", "run", "disk-cleanup", "-p", "path=/var/tmp/./x//", "--dry-run", "--json")
    assert ok.code == 0, ok
    commands = [s["would"] for s in ok.json()["hosts"][0]["steps"]]
    assert ok.json()["params"]["path"] == "/var/tmp/x"  # the normalised value reaches the commands
    assert any("cd -P -- /var/tmp/x &&" in c and "find -P . -xdev" in c for c in commands), commands
    quoted = drun("sop", "run", "disk-cleanup", "-p", "path=/tmp/a b;reboot", "--dry-run", "--json")
    assert quoted.code == 0 and "cd -P -- '/tmp/a b;reboot'" in quoted.stdout  # still one quoted word
    assert drun("sop", "run", "disk-cleanup", "-p", "path=/tmp/x\nrm", "--dry-run").code == 2


def test_path_parameter_roots_are_checked_by_validate(drun, desk):
    (desk / "sops" / "bad-path.yaml").write_text(
        "name: bad-path\nparams:\n"
        "  a: {type: path, allow: [/var/tmp], deny: [/var]}\n"
        "  b: {type: string, allow: [/tmp]}\n"
        "  c: {type: path, deletes: true, allow: [/]}\n"
        "  d: {type: path, deny: [relative]}\n"
        "  e: {type: path, allow: [/tmp], default: /etc}\n"
        "steps:\n  - name: s\n    ssh: ls {{ a }} {{ b }} {{ c }} {{ d }} {{ e }}\n")
    result = drun("sop", "validate")
    assert result.code == 2
    for expected in ("bad-path.yaml:3:", "/var/tmp is denied by /var", "bad-path.yaml:4:", "allow is only for type path",
                     "bad-path.yaml:5:", "never allows the filesystem root", "bad-path.yaml:6:", "must be an absolute path",
                     "bad-path.yaml:7:", "'/etc' is not under an allowed folder (allowed: /tmp)"):
        assert expected in result.stderr, (expected, result)
    assert "Traceback" not in result.stderr


def test_account_parameter_refuses_root_admin_and_service_accounts(drun, desk):
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\nrunbooks:\n  protected_accounts: ['svc-*', ceo]\n")
    for sop in ("reset-password", "unlock-account"):
        for value in ("root", "root@example.com", "ROOT@example.com", "daemon", "www-data", "systemd-network", "_apt",
                      "ubuntu", "svc-backup", "ceo@example.com", "a b", "-rf"):
            result = drun("sop", "run", sop, "-p", f"user={value}", "--dry-run")
            assert result.code == 2, (sop, value, result)
            assert f"sops/{sop}.yaml:" in result.stderr and "parameter 'user'" in result.stderr, result
            assert "Traceback" not in result.stderr
        ok = drun("sop", "run", sop, "-p", "user=jdoe@example.com", "--dry-run", "--json")
        assert ok.code == 0, ok
        assert ok.json()["params"]["user"] == "jdoe" and "id -u -- jdoe" in ok.stdout
    config.write_text(config.read_text().replace("['svc-*', ceo]", "svc-backup"))
    bad = drun("sop", "run", "reset-password", "-p", "user=jdoe", "--dry-run")
    assert bad.code == 2 and "runbooks.protected_accounts: must be a list" in bad.stderr, bad


def test_a_host_parameter_in_targets_names_one_host_never_a_group(drun, desk):
    write_inventory(desk, {"localhost": {"connection": "local", "groups": ["identity"]},
                           "pc-1": {"connection": "local", "groups": ["desktops"]}})
    for sop, target in (("disk-cleanup", "all"), ("disk-cleanup", "desktops"), ("clear-print-queue", "identity")):
        result = drun("sop", "run", sop, "-p", f"target={target}", "--dry-run")
        assert result.code == 2 and f"target {target!r} is a group, not one host" in result.stderr, (sop, target, result)
    one = drun("sop", "run", "disk-cleanup", "-p", "target=pc-1", "--dry-run", "--json")
    assert one.code == 0 and [h["host"] for h in one.json()["hosts"]] == ["pc-1"], one
    groups = drun("sop", "run", "disk-cleanup", "--hosts", "localhost,pc-1", "--dry-run", "--json")
    assert groups.code == 0 and len(groups.json()["hosts"]) == 2  # several hosts: the operator says so


def test_running_an_invalid_sop_also_names_the_missing_parameters(drun, desk):
    (desk / "sops" / "broken.yaml").write_text(
        "name: broken\ndescription: x\nparams:\n  server: {type: string, required: true}\n"
        "steps:\n  - name: y\n    frobnicate: 1\n")
    result = drun("sop", "run", "broken")
    assert result.code == 2
    assert "sops/broken.yaml:7: step 'y': unknown step type or key 'frobnicate'" in result.stderr
    assert "sops/broken.yaml:4: parameter 'server' is required: pass -p server=VALUE" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_alias_bomb_in_a_sop_or_the_inventory_fails_in_one_line(drun, desk):
    from tests.desk.test_yamlio import bomb

    (desk / "sops" / "bomb.yaml").write_text("name: bomb\nsteps:\n  - name: a\n    local: 'true'\n" + bomb(levels=7, width=10))
    for command in (("sop", "validate"), ("sop", "run", "bomb"), ("config", "check")):
        result = drun(*command, timeout=30)
        assert result.code == 2, (command, result)
        assert "sops/bomb.yaml:10: too many nodes once aliases are expanded" in result.stderr, result
    (desk / "sops" / "bomb.yaml").unlink()
    inventory = desk / "config" / "inventory.yaml"
    line = len(inventory.read_text().splitlines()) + 6
    inventory.write_text(inventory.read_text() + bomb(levels=7, width=10))
    for command in (("config", "check"), ("sop", "run", "restart-service", "-p", "service=x")):
        result = drun(*command, timeout=30)
        assert result.code == 2, (command, result)
        assert f"config/inventory.yaml:{line}: too many nodes" in result.stderr, result


def test_an_edited_parse_cache_never_changes_what_runs(drun, desk, tmp_path):
    marker = tmp_path / "marker"
    (desk / "sops" / "mark.yaml").write_text(
        f"name: mark\ntargets: localhost\nsteps:\n  - name: write\n    local: echo from-the-sop >> {marker}\n")
    cache = tmp_path / "own-cache"
    env = {"DESKCTL_CACHE_DIR": str(cache)}
    assert drun("sop", "run", "mark", env=env).code == 0
    entries = [p for p in cache.glob("yaml-*.json") if b"from-the-sop" in p.read_bytes()]
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes().replace(b"echo from-the-sop", b"echo from-the-cache"))
    assert drun("sop", "run", "mark", env=env).code == 0
    assert drun("sop", "run", "mark", env=env).code == 0
    assert marker.read_text() == "from-the-sop\n" * 3


def test_sop_names_are_names_not_paths(drun, desk, tmp_path):
    outside = tmp_path / "x.yaml"
    outside.write_text(f"name: x\nsteps:\n  - name: escape\n    local: touch {tmp_path / 'escaped'}\n")
    for command in (("sop", "run", "../x"), ("sop", "run", "../../x"), ("sop", "show", "../x"),
                    ("sop", "run", str(tmp_path / "x"))):
        result = drun(*command)
        assert result.code == 2 and "is not a SOP name" in result.stderr, (command, result)
        assert len(result.stderr.splitlines()) == 1, result
    (desk / "sops" / "outer.yaml").write_text("name: outer\nsteps:\n  - name: inner\n    include: ../x\n")
    validated = drun("sop", "validate")
    assert validated.code == 2 and "sops/outer.yaml:4:" in validated.stderr and "is not a SOP name" in validated.stderr, validated
    ran = drun("sop", "run", "outer")
    assert ran.code == 2 and "sops/outer.yaml:4:" in ran.stderr, ran
    assert not (tmp_path / "escaped").exists()


def test_a_cache_folder_others_can_write_is_not_used(drun, desk, tmp_path):
    """Someone who can write the folder can forge an entry that checks out: so such a folder
    (group or world-writable) is never read, only warned about."""
    from deskctl.util import cache as cache_module

    marker = tmp_path / "marker"
    (desk / "sops" / "mark.yaml").write_text(
        f"name: mark\ntargets: localhost\nsteps:\n  - name: write\n    local: echo from-the-sop >> {marker}\n")
    cache = tmp_path / "shared-cache"
    env = {"DESKCTL_CACHE_DIR": str(cache)}
    assert drun("sop", "run", "mark", env=env).code == 0
    cache.chmod(0o777)
    for entry in cache.glob("yaml-*.json"):
        raw = entry.read_bytes().replace(b"echo from-the-sop", b"echo forged")
        head, _, body = raw.partition(b"\n")
        magic = getattr(cache_module, "_MAGIC", None)
        if magic and head.startswith(magic):  # forge the digest too, as such a writer could
            raw = magic + cache_module.content_hash(body).encode() + b"\n" + body
        entry.write_bytes(raw)
    result = drun("sop", "run", "mark", env=env)
    assert result.code == 0, result
    assert "not using the cache folder" in result.stderr, result
    assert marker.read_text() == "from-the-sop\n" * 2
