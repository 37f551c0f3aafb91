"""`deskctl init --shared GROUP`: the OS file permissions are the real boundary of a file
desk. Members of the group read the configuration and write the data; everyone else is kept
out; files deskctl writes later stay the group's (checked with real logins: runuser)."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.runbooks.test_shipped_sops import sbin


@pytest.fixture
def team():
    """(group, member login, outsider login): throw-away, removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create throw-away logins and a group")
    tools = {t: sbin(t) for t in ("groupadd", "groupdel", "useradd", "userdel", "runuser")}
    if not all(tools.values()):
        pytest.fail("groupadd/useradd/runuser not found: apt-get install -y passwd util-linux")
    tag = secrets.token_hex(3)
    group, member, outsider = f"desk{tag}", f"dm{tag}", f"do{tag}"
    subprocess.run([tools["groupadd"], group], check=True, timeout=30)
    subprocess.run([tools["useradd"], "-M", "-G", group, "-s", "/bin/sh", member], check=True, timeout=30)
    subprocess.run([tools["useradd"], "-M", "-s", "/bin/sh", outsider], check=True, timeout=30)
    try:
        yield group, member, outsider
    finally:
        for login in (member, outsider):
            subprocess.run([tools["userdel"], login], timeout=30, check=False)
        subprocess.run([tools["groupdel"], group], timeout=30, check=False)


@pytest.fixture
def open_dir():
    """A folder other logins can reach (pytest's tmp dirs are mode 0700)."""
    path = Path(tempfile.mkdtemp(prefix="deskctl-shared-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def as_login(login: str, *command: str) -> int:
    return subprocess.run([sbin("runuser"), "-u", login, "--", *command], capture_output=True, timeout=30).returncode


def test_members_use_a_shared_desk_and_others_cannot_read_it(run, team, open_dir):
    group, member, outsider = team
    desk = open_dir / "desk"
    made = run("init", "--shared", group, str(desk))
    assert made.code == 0 and f"shared {desk} with the group {group}" in made.stderr, made
    config = desk / "config" / "deskctl.yaml"
    assert config.stat().st_gid == (desk / "data").stat().st_gid == __import__("grp").getgrnam(group).gr_gid
    assert stat.S_IMODE((desk / "data").stat().st_mode) == 0o2770
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert as_login(member, "cat", str(config)) == 0
    assert as_login(member, "touch", str(desk / "data" / "probe")) == 0
    assert as_login(member, "touch", str(desk / "config" / "probe")) != 0  # config: the owner edits
    assert as_login(outsider, "cat", str(config)) != 0
    assert as_login(outsider, "ls", str(desk / "data")) != 0
    # what deskctl writes later (a ticket, the audit trail) stays the group's, whatever the umask
    created = run("ticket", "create", "--title", "shared", cwd=desk, env={"DESKCTL_ACTOR": ""})
    assert created.code == 0, created
    written = [p for p in (desk / "data").rglob("*") if p.is_file() and p.name != "probe"]
    assert written and all(stat.S_IMODE(p.stat().st_mode) & 0o060 == 0o060 for p in written), written
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o007 == 0 for p in written)
    assert all(p.stat().st_gid == config.stat().st_gid for p in written)
    assert as_login(member, "sh", "-c", f"test -w {desk / 'data' / 'audit' / 'log.jsonl'}") == 0


def test_an_existing_desk_is_shared_in_place_and_a_missing_group_is_named(run, desk, team, open_dir):
    missing = run("init", "--shared", "no-such-group-x", str(desk))
    assert missing.code == 2 and "no-such-group-x: no such OS group" in missing.stderr
    group, _, _ = team
    kept = (desk / "config" / "deskctl.yaml").read_text() + "\n# mine\n"
    (desk / "config" / "deskctl.yaml").write_text(kept)
    assert run("init", "--shared", group, str(desk)).code == 0
    assert (desk / "config" / "deskctl.yaml").read_text() == kept  # shared, not overwritten
