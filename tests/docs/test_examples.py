"""Every example in README.md and docs/*.md runs as written and does what its text says.

A fenced block in `sh`, `bash`, `console` or `cron` is an example; it is preceded by a marker
`<!-- example: NAME -->` (invisible on GitHub) naming the check below that runs it: in a fresh
desk, or for the quick start in a fresh copy of the repository with its own virtualenv, with
the loopback sshd where the text names a host. A new example without a check fails the first
test, so none is left untested. Blocks in other languages (yaml, python, text) are not run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.runbooks.conftest import fake_bin, ssh_hosts, write_inventory
from tests.runbooks.test_ssh_runs import JOURNALCTL, SYSTEMCTL

RUNNABLE = ("sh", "bash", "shell", "console", "cron")
FENCE = re.compile(r"^(?:<!-- example: (?P<name>[\w-]+) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)^```", re.S | re.M)
NOW = "2026-12-01T10:00:00+01:00"  # before the example maintenance window of 5 December


@dataclass
class Example:
    name: str | None
    lang: str
    body: str
    where: str


def all_blocks() -> list[Example]:
    found = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Example(match["name"], match["lang"], match["body"], f"{path.relative_to(REPO)}:{line}"))
    return found


def example(name: str) -> Example:
    matches = [b for b in all_blocks() if b.name == name]
    assert len(matches) == 1, f"one example named {name!r} expected, found {len(matches)}"
    return matches[0]


def bash(script: str, cwd: Path, env: dict, *, errexit: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    options = ["-e", "-o", "pipefail"] if errexit else []
    return subprocess.run(["bash", *options, "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def shown(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"


@pytest.fixture
def desk_env(base_env, tmp_path) -> dict:
    """The user's environment with deskctl (this test run's) on PATH, as after the install."""
    env = dict(base_env, PATH=f"{Path(sys.executable).parent}{os.pathsep}{base_env.get('PATH', '')}",
               DESKCTL_USER_KNOWN_HOSTS=str(tmp_path / "user_known_hosts"))
    env.pop("SSH_AUTH_SOCK", None)
    return env


@pytest.fixture(params=["files", "postgresql"])
def desk_on_backend(request, desk, desk_env):
    """The fresh desk, on the embedded store or (team desk) on an empty PostgreSQL database
    after `deskctl store migrate`: the README's examples work unchanged on both."""
    if request.param == "postgresql":
        from tests.support.postgres import new_database

        dsn = new_database(request.getfixturevalue("pg_cluster"))
        with open(desk / "config" / "deskctl.yaml", "a", encoding="utf-8") as fh:
            fh.write(f"\nstore: {{backend: postgresql, dsn: '{dsn}'}}\n")
        migrated = bash("deskctl store migrate", desk, desk_env)
        assert migrated.returncode == 0 and "migrated" in migrated.stderr, shown(migrated)
    return desk


def test_every_example_is_named_and_checked():
    checked = {name[len("test_example_"):].replace("_", "-") for name in globals() if name.startswith("test_example_")}
    unnamed = [b.where for b in all_blocks() if b.lang in RUNNABLE and not b.name]
    assert not unnamed, f"examples without an `<!-- example: NAME -->` marker: {unnamed}"
    names = [b.name for b in all_blocks() if b.name]
    assert len(names) == len(set(names)), names
    assert set(names) == checked, (set(names) ^ checked)


# -- README -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def installed_copy(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the repository's tracked files, where quick start command 1 ran as written."""
    copy = tmp_path_factory.mktemp("clone") / "deskctl"
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout
    for rel in filter(None, tracked.decode().split("\0")):
        source = REPO / rel
        if source.is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / rel)
    command_1 = example("quickstart").body.split("# 2.")[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKCTL_", "VIRTUAL_ENV", "PYTHON"))}
    env["DESKCTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    # the PATH of a shell without this test run's virtualenv, as on a fresh machine
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(Path(sys.executable).parent.parent)))
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return copy, bash(command_1, copy, env, errexit=False, timeout=900)


def test_example_quickstart(installed_copy):
    copy, proc = installed_copy
    assert proc.returncode == 0, shown(proc)
    assert "network-diagnostics: ok on 1 host(s)" in proc.stderr, shown(proc)
    assert "Network diagnostics for localhost from localhost" in proc.stdout, shown(proc)
    assert "Intranet unreachable from pc-ana" in proc.stdout and (copy / ".venv" / "bin" / "deskctl").exists()


def test_example_engineer(desk_on_backend, desk_env, sshd, tmp_path):
    desk = desk_on_backend
    tools = fake_bin(tmp_path / "fakebin", {"systemctl": SYSTEMCTL, "journalctl": JOURNALCTL})
    # mx1 as the README asks the reader to add it; its host key is not known yet
    write_inventory(desk, {"localhost": {"connection": "local"},
                           **ssh_hosts(sshd, [("mx1", "127.0.0.1")], groups=["mail"], path_prepend=[str(tools)])})
    proc = bash(example("engineer").body, desk, desk_env)
    assert proc.returncode == 0, shown(proc)
    assert "postfix" in (tools / "restarted").read_text()
    tickets = json.loads(bash("deskctl ticket list --all --json", desk, desk_env).stdout)
    assert len(tickets) == 1
    ticket = json.loads(bash(f"deskctl ticket show {tickets[0]['id']} --json", desk, desk_env).stdout)
    assert ticket["status"] == "resolved" and "KB-email-not-working" in ticket["kb_articles"]
    actions = [e["action"] for e in ticket["history"]]
    assert "sop.run" in " ".join(actions) and "kb.guide" in actions, actions


def cron_commands(body: str) -> list[str]:
    """The command of each crontab entry (after its five time fields), continuations joined."""
    joined = re.sub(r"\\\n\s*", " ", body)
    return [line.split(None, 5)[5] for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def test_example_cron(desk_on_backend, desk_env, tmp_path):
    desk = desk_on_backend
    # the disk-cleanup entry as cron runs it, on a disk that is not full: nothing is deleted
    tools = fake_bin(tmp_path / "fakebin", {"df": "printf 'Filesystem 1024-blocks Used Available Capacity Mounted on\\n"
                                                  "/dev/x 100 12 88 12%% /\\n'"})
    write_inventory(desk, {"localhost": {"connection": "local", "path_prepend": [str(tools)]}})
    commands = cron_commands(example("cron").body)
    assert len(commands) == 3 and all("/srv/desk" in c for c in commands)
    for command in commands:
        proc = bash(command.replace("/srv/desk", str(desk)), tmp_path, desk_env)
        assert proc.returncode == 0, (command, shown(proc))
        assert "Traceback" not in proc.stderr
    assert (desk / "public" / "status").is_dir()  # the status page cron rebuilds
    runs = json.loads(bash("deskctl sop history --json", desk, desk_env).stdout)
    assert runs[0]["sop"] == "disk-cleanup" and runs[0]["status"] == "ok"


def maintenance_yaml() -> str:
    body = example("announcements").body
    return body.split("<<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0] + "\n"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)


def test_example_admin(desk_on_backend, desk_env):
    desk = desk_on_backend
    (desk / "maintenance.yaml").write_text(maintenance_yaml(), encoding="utf-8")
    env = dict(desk_env, DESKCTL_NOW=NOW)
    proc = bash(example("admin").body, desk, env)
    assert proc.returncode == 0, shown(proc)
    assert "ANN-0001" in proc.stdout and "Manutenzione programmata" in proc.stdout  # the Italian preview
    record = json.loads(bash("deskctl announce show ANN-1 --json", desk, env).stdout)
    assert record["status"] == "published" and record["deliveries"]
    parser = _Tags()
    parser.feed((desk / "desk-report.html").read_text(encoding="utf-8"))
    assert {"html", "h1", "svg"} <= set(parser.tags)


def test_example_backup(desk, desk_env, tmp_path):
    assert bash("deskctl ticket create --title 'Printer jams' && deskctl ticket comment INC-1 --text 'toner low'",
                desk, desk_env).returncode == 0
    # the example's absolute paths, moved under this test's folder
    script = example("backup").body.replace("/var/backups", str(tmp_path / "backups")).replace("/srv", str(tmp_path))
    (tmp_path / "backups").mkdir()
    proc = bash(script, desk, desk_env)
    assert proc.returncode == 0, shown(proc)
    assert "INC-1" in proc.stdout and "Printer jams" in proc.stdout
    restored = json.loads(bash("deskctl ticket show INC-1 --json", tmp_path / "desk-restored", desk_env).stdout)
    original = json.loads(bash("deskctl ticket show INC-1 --json", desk, desk_env).stdout)
    assert restored == original and [e["action"] for e in restored["history"]][-1] == "comment"


def test_example_store_copy(desk, desk_env, tmp_path, pg_cluster):
    from tests.support.postgres import new_database

    assert bash("deskctl ticket create --title 'Printer jams' && deskctl ticket comment INC-1 --text 'toner low'",
                desk, desk_env).returncode == 0
    dsn = new_database(pg_cluster)
    env = dict(desk_env, HOME=str(tmp_path / "home"))
    team = tmp_path / "home" / "team-desk"  # the team's desk folder on that database
    assert bash(f"deskctl init {team}", tmp_path, env).returncode == 0
    with open(team / "config" / "deskctl.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"\nstore: {{backend: postgresql, dsn: '{dsn}'}}\n")
    proc = bash(example("store-copy").body.replace("postgresql://desk@db.example.org/servicedesk", dsn), desk, env)
    assert proc.returncode == 0, shown(proc)
    assert proc.stderr.count("counts and checksums match") == 2, shown(proc)
    shown_in = [json.loads(bash("deskctl ticket show INC-1 --json", where, env).stdout)
                for where in (desk, team, tmp_path / "home" / "desk-on-files")]
    assert shown_in[0] == shown_in[1] == shown_in[2] and shown_in[2]["history"][-1]["note"] == "toner low"


def test_example_shared_desk(desk_env, tmp_path):
    import grp
    import stat

    if os.geteuid() != 0:
        pytest.skip("needs root to make the group servicedesk")
    made = False
    try:
        grp.getgrnam("servicedesk")
    except KeyError:
        subprocess.run(["groupadd", "servicedesk"], check=True, timeout=30)
        made = True
    try:
        env = dict(desk_env, HOME=str(tmp_path / "home"))
        (tmp_path / "home").mkdir()
        proc = bash(example("shared-desk").body, tmp_path, env)
        assert proc.returncode == 0, shown(proc)
        assert "audit trail intact: 1 record(s)" in proc.stdout, shown(proc)
        data = tmp_path / "home" / "team-desk" / "data"
        assert data.stat().st_gid == grp.getgrnam("servicedesk").gr_gid and stat.S_IMODE(data.stat().st_mode) == 0o2770
    finally:
        if made:
            subprocess.run(["groupdel", "servicedesk"], timeout=30, check=False)


def test_example_mail(desk, desk_env):
    proc = bash(example("mail").body, desk, desk_env)
    assert proc.returncode == 0, shown(proc)
    assert "INC-1: created (from ana@example.com (it))" in proc.stderr, shown(proc)
    assert "INC-1: duplicate" in proc.stderr and "Stampante non stampa" in proc.stdout, shown(proc)
    assert "registered via email" in proc.stdout


def test_example_ci(desk_on_backend, desk_env):
    desk = desk_on_backend
    deploy = desk / "deploy.sh"
    deploy.write_text("#!/bin/sh\necho deployed >> deployed.log\n")
    deploy.chmod(0o755)
    env = dict(desk_env, CI_PIPELINE_ID="981")
    first = bash(example("ci").body, desk, env)
    assert first.returncode == 0, shown(first)
    retried = bash(example("ci").body, desk, env)  # the job is retried after it succeeded
    assert retried.returncode == 0, shown(retried)
    changes = json.loads(bash("deskctl ticket list --all --type change --json", desk, env).stdout)
    assert [c["status"] for c in changes] == ["resolved"], changes
    assert (desk / "deployed.log").read_text().count("deployed") == 2


# -- docs ---------------------------------------------------------------------------------

def test_example_forms(desk, desk_env):
    proc = bash(example("forms").body, desk, desk_env)
    assert proc.returncode == 0, shown(proc)
    assert "requester_language" in proc.stdout and "Location" in proc.stdout and "Room 3.12" in proc.stdout
    assert "location,started_at,error_code,tried,affected_users" in proc.stdout  # the CSV header
    ticket = json.loads(bash("deskctl ticket show INC-1 --json", desk, desk_env).stdout)
    assert ticket["status"] == "resolved" and ticket["category"] == "hardware-fault"
    assert ticket["fields"] == {"location": "Room 3.12", "started_at": "2026-12-03T07:40:00+00:00",  # 08:40 in Rome
                                "affected_users": 4, "error_code": "E-204 paper jam", "tried": "reloaded the tray"}


def test_example_changes(desk, desk_env):
    proc = bash(example("changes").body, desk, dict(desk_env, DESKCTL_NOW=NOW))
    assert proc.returncode == 0, shown(proc)
    assert proc.stdout.splitlines()[0] == "CHG-1" and "needs 1 manager" in proc.stderr
    assert "2026-12-05 22:00 - 2026-12-06 02:00 Europe/Rome" in proc.stdout
    change = json.loads(bash("deskctl change show CHG-1 --json", desk, dict(desk_env, DESKCTL_NOW=NOW)).stdout)["change"]
    assert change["status"] == "approved" and change["approvals"][0]["actor"] == "alice"
    assert change["announcement"] == "ANN-0001"


def test_example_announcements(desk, desk_env):
    proc = bash(example("announcements").body, desk, dict(desk_env, DESKCTL_NOW=NOW))
    assert proc.returncode == 0, shown(proc)
    record = json.loads(proc.stdout[proc.stdout.index('{"id": "ANN-0001"'):].splitlines()[0])
    assert record["status"] == "resolved"
    assert [v["notice"] for v in record["versions"]] == ["announcement", "announcement", "closing"]
    assert (desk / "rendered" / "ru" / "sms.txt").exists()


def test_example_plugin(installed_copy):
    copy, install = installed_copy
    assert install.returncode == 0, shown(install)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKCTL_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{copy / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    lines = example("plugin").body.splitlines()
    i = 0
    while i < len(lines):
        assert lines[i].startswith("$ "), lines[i]
        command, expected = lines[i][2:], []
        i += 1
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        proc = bash(command, copy, env, timeout=600)
        assert proc.returncode == 0, (command, shown(proc))
        got = [" ".join(line.split()) for line in proc.stdout.splitlines()]
        position = 0
        for want in expected:  # in order; `...` stands for any lines
            if want.strip() == "...":
                continue
            want = " ".join(want.split())
            assert want in got[position:], (command, want, proc.stdout)
            position = got.index(want, position) + 1


def test_example_cmdb(desk_on_backend, desk_env):
    desk = desk_on_backend
    proc = bash(example("cmdb").body, desk, desk_env)
    assert proc.returncode == 0, shown(proc)
    assert "services: webshop" in proc.stdout and "groups: finance, sales" in proc.stdout, shown(proc)
    assert "depends-on shop" in proc.stdout and "memory upgrade" in proc.stdout, shown(proc)
    assert "db1: updated, history #2" in proc.stderr, shown(proc)
    history = json.loads(bash("deskctl cmdb history db1 --json", desk, desk_env).stdout)
    assert [(e["change"], e["outside_change"]) for e in history] == [(None, True), ("CHG-1", False)]
    assert history[1]["changes"] == {"attributes.memory": ["16G", "32G"]}
