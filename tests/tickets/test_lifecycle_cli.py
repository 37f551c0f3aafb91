"""The ticket lifecycle through the real `deskctl` command line."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import deskctl_executable


def snapshot(desk: Path) -> dict[str, bytes]:
    root = desk / "data" / "tickets"
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def create(drun, *args: str) -> dict:
    result = drun("ticket", "create", *args, "--json")
    assert result.code == 0, result
    return result.json()


def test_phone_call_through_the_whole_lifecycle(drun):
    t = create(drun, "--title", "Cannot print to the 3rd floor printer", "--channel", "phone",
               "--requester-name", "Ana Pop", "--requester-email", "ana@example.com",
               "--requester-phone", "+40 21 555 0101", "--system", "os=Windows 11",
               "--system", "hostname=pc-ana", "--system", "memory=16GB")
    tid = t["id"]
    assert tid.startswith("INC-")
    assert t["category"] == "hardware-fault" and t["service"] == "printing"  # from the printer rule
    assert t["system"] == {"os": "Windows 11", "hostname": "pc-ana", "memory": "16GB"}
    steps = [
        (["--actor", "olga", "ticket", "assign", tid.lower(), "--group", "L1", "--to", "olga"], "assigned"),
        (["--actor", "olga", "ticket", "escalate", tid, "--group", "L2", "--reason", "driver crash, needs admin"], "escalated"),
        (["--actor", "ivan", "ticket", "pend", tid, "--reason", "waiting for the user to reboot"], "pending"),
        (["--actor", "ivan", "ticket", "resume", tid], "in_progress"),
        (["--actor", "ivan", "ticket", "resolve", tid, "--resolution", "reinstalled the driver"], "resolved"),
        (["--actor", "olga", "ticket", "close", tid, "--confirmed"], "closed"),
    ]
    for args, status in steps:
        result = drun(*args, "--json")
        assert result.code == 0, result
        assert result.json()["status"] == status
    shown = drun("ticket", "show", tid, "--json").json()
    actions = [(e["action"], e["actor"]) for e in shown["history"]]
    assert actions == [
        ("created", "tester"), ("classified", "rule:printer"), ("assign", "olga"), ("escalate", "olga"),
        ("pend", "ivan"), ("resume", "ivan"), ("resolve", "ivan"), ("close", "olga"),
    ]
    assert all(e["at"].endswith("+00:00") for e in shown["history"])
    escalation = shown["history"][3]
    assert escalation["note"] == "driver crash, needs admin"
    assert escalation["changes"]["group"] == ["L1", "L2"] and escalation["changes"]["status"] == ["assigned", "escalated"]
    assert shown["confirmed"] is True and shown["closed_at"] and shown["resolved_at"]
    human = drun("ticket", "show", tid)
    assert "escalate" in human.stdout and "driver crash" in human.stdout
    assert drun("ticket", "list", "--json").json() == []  # closed: out of the open queue
    assert drun("store", "check").code == 0  # and out of the active index


def test_question_resolved_at_first_contact(drun):
    t = create(drun, "--type", "info-request", "--title", "How do I share my calendar?",
               "--resolved", "Explained sharing from Outlook: right-click the calendar, Share.", "--category", "user-support")
    assert t["id"].startswith("INF-")
    assert t["status"] == "resolved" and t["resolution"].startswith("Explained")
    assert t["resolved_at"] == t["created_at"] and t["first_response_at"] == t["created_at"]


def test_invalid_input_exits_2_with_one_line_and_changes_nothing(drun, desk):
    t = create(drun, "--title", "Mouse broken")
    before = snapshot(desk)
    cases = [
        (["ticket", "create", "--title", "x", "--category", "hardwre"], "hardware-fault"),
        (["ticket", "close", t["id"]], "from new you can"),
        (["ticket", "show", "INC-9999"], "INC-9999"),
        (["ticket", "assign", "XYZ-1", "--to", "bob"], "XYZ-1"),
        (["ticket", "escalate", t["id"], "--group", "L9", "--reason", "x"], "L1, L2"),
    ]
    for args, expected in cases:
        result = drun(*args)
        assert result.code == 2, result
        assert result.stderr.count("\n") == 1 and expected in result.stderr, result
        assert "Traceback" not in result.stderr
    assert snapshot(desk) == before


def test_dedup_key_makes_one_ticket_and_counts_repeats(drun):
    results = [drun("ticket", "create", "--title", "Backup job failed on db1", "--channel", "api",
                    "--dedup-key", "backup-db1", "--json").json() for _ in range(5)]
    assert [r["created"] for r in results] == [True, False, False, False, False]
    assert len({r["id"] for r in results}) == 1
    final = drun("ticket", "show", results[0]["id"], "--json").json()
    assert final["seen_count"] == 4
    assert [e["action"] for e in final["history"]].count("seen-again") == 4
    # once resolved, the same key opens a new ticket
    drun("ticket", "resolve", results[0]["id"], "--resolution", "fixed", "--category", "other")
    again = drun("ticket", "create", "--title", "Backup job failed on db1", "--dedup-key", "backup-db1", "--json").json()
    assert again["created"] is True and again["id"] != results[0]["id"]


def test_list_shows_open_tickets_oldest_first(drun):
    ids = []
    for i, day in enumerate(["2026-11-02", "2026-11-01", "2026-11-03"]):
        t = create_at(drun, day, "--title", f"ticket {i}")
        ids.append(t["id"])
    drun("ticket", "resolve", ids[2], "--resolution", "done", "--category", "other")
    drun("ticket", "close", ids[2])
    listed = drun("ticket", "list", "--json", env={"DESKCTL_NOW": "2026-11-10T12:00:00Z"}).json()
    assert [r["id"] for r in listed] == [ids[1], ids[0]]
    assert listed[0]["age"] > listed[1]["age"]
    every = drun("ticket", "list", "--all", "--json").json()
    assert {r["id"] for r in every} == set(ids)


def create_at(drun, day: str, *args: str) -> dict:
    result = drun("ticket", "create", *args, "--json", env={"DESKCTL_NOW": f"{day}T10:00:00Z"})
    assert result.code == 0, result
    return result.json()


def test_list_filters_and_csv(drun, desk, base_env):
    create(drun, "--title", "Printer jam", "--priority", "low", "--tag", "floor3")
    create(drun, "--title", "VPN down", "--channel", "phone", "--priority", "critical")
    create(drun, "--title", "Outlook crashes on start", "--requester-email", "zoe@example.com")
    by_priority = drun("ticket", "list", "--priority", "critical", "--json").json()
    assert [r["title"] for r in by_priority] == ["VPN down"]
    by_group = drun("ticket", "list", "--group", "network", "--json").json()
    assert [r["title"] for r in by_group] == ["VPN down"]
    assert [r["title"] for r in drun("ticket", "list", "--tag", "floor3", "--json").json()] == ["Printer jam"]
    assert [r["title"] for r in drun("ticket", "list", "--search", "outlook crash", "--json").json()] == ["Outlook crashes on start"]
    assert [r["title"] for r in drun("ticket", "list", "--requester", "zoe", "--json").json()] == ["Outlook crashes on start"]
    sorted_ = drun("ticket", "list", "--sort", "priority", "--json").json()
    assert sorted_[0]["priority"] == "critical"
    later = {"DESKCTL_NOW": "2030-01-01T00:00:00Z"}  # both listings at one instant: the same ages
    out = drun("ticket", "list", "--format", "csv", env=later)
    assert out.code == 0
    # plain UTF-8 for scripts: the first column is `id`, not `\ufeffid`
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 3 and {"id", "status", "priority", "title", "created_at"} <= set(rows[0])
    assert "\r" not in out.stdout
    excel = subprocess.run([deskctl_executable(), "ticket", "list", "--excel"], cwd=desk, env={**base_env, **later},
                           capture_output=True, check=True).stdout
    assert excel.startswith(b"\xef\xbb\xbfid,") and excel.endswith(b"\r\n")
    assert excel.decode("utf-8-sig").replace("\r\n", "\n") == out.stdout
    assert drun("ticket", "list", "--limit", "1", "--json").json()[0]["title"] == "Printer jam"


def test_classify_shows_rules_without_storing(invoke, desk):  # in-process: no contract here
    result = invoke("ticket", "classify", "--title", "My VPN is not working", "--channel", "phone", "--json", cwd=desk)
    assert result.code == 0
    data = result.json()
    assert "vpn-down" in data["rules"] and data["set"]["category"] == "network"
    assert not (desk / "data" / "tickets").exists()


def test_explicit_options_win_over_rules(invoke, desk):
    t = invoke("ticket", "create", "--title", "printer broken", "--category", "other", "--group", "L2", "--json",
               cwd=desk).json()
    assert t["category"] == "other" and t["group"] == "L2"


def test_priority_from_impact_and_urgency(invoke, desk):
    def create(*args):
        return invoke("ticket", "create", *args, "--json", cwd=desk).json()

    assert create("--title", "ERP slow for everyone", "--impact", "high", "--urgency", "high")["priority"] == "critical"
    assert create("--title", "Wallpaper", "--impact", "low", "--urgency", "low")["priority"] == "low"


def test_reopen_comment_link_attach(drun, tmp_path):
    a = create(drun, "--title", "Mail bounce")
    b = create(drun, "--title", "Mail bounce again")
    assert drun("ticket", "comment", a["id"], "--text", "called the user", "--internal").code == 0
    shown = drun("ticket", "show", a["id"], "--json").json()
    assert shown["first_response_at"] is None  # internal notes are not a response
    drun("ticket", "comment", a["id"], "--text", "We are looking into it")
    assert drun("ticket", "show", a["id"], "--json").json()["first_response_at"]
    linked = drun("ticket", "link", b["id"], "--to", a["id"], "--as", "duplicate", "--json").json()
    assert {"id": a["id"], "kind": "duplicate"} in linked["links"]
    other = drun("ticket", "show", a["id"], "--json").json()
    assert {"id": b["id"], "kind": "duplicated-by"} in other["links"]
    log = tmp_path / "journal.log"
    log.write_text("error 42\n")
    attached = drun("ticket", "attach", a["id"], str(log), "--json").json()
    import hashlib

    assert attached["attachments"][0]["sha256"] == hashlib.sha256(b"error 42\n").hexdigest()
    drun("ticket", "resolve", a["id"], "--resolution", "fixed", "--category", "other")
    reopened = drun("ticket", "reopen", a["id"], "--reason", "bounces again", "--json").json()
    assert reopened["status"] in ("new", "in_progress") and reopened["reopen_count"] == 1
    # the resolution that did not hold is history, not the ticket's current state
    assert reopened["resolution"] is None
    assert "Resolution" not in drun("ticket", "show", a["id"]).stdout
    assert [e for e in reopened["history"] if e["action"] == "reopen"][0]["changes"]["resolution"] == ["fixed", None]


def test_resolve_with_a_kb_article_records_it_and_refuses_unknown_ones(drun):
    t = create(drun, "--title", "Printer offline on floor 2")
    bad = drun("ticket", "resolve", t["id"], "--resolution", "x", "--kb", "KB-nope")
    assert bad.code == 2 and "KB-nope" in bad.stderr
    assert drun("ticket", "show", t["id"], "--json").json()["status"] == "new"
    done = drun("ticket", "resolve", t["id"], "--resolution", "set it online", "--kb", "KB-printer-offline", "--json")
    assert done.code == 0, done
    assert done.json()["kb_articles"] == ["KB-printer-offline"]
    assert done.json()["history"][-1]["data"] == {"kb": "KB-printer-offline"}


@pytest.mark.parametrize("option, value, hint", [
    ("--status", "opne", "did you mean 'open'?"),
    ("--priority", "urgent", "critical, high"),
    ("--group", "L9", "L1, L2, L3"),
    ("--type", "incidnet", "did you mean 'incident'?"),
])
def test_list_refuses_a_filter_value_the_desk_cannot_hold(invoke, desk, option, value, hint):
    result = invoke("ticket", "list", option, value, cwd=desk)
    assert result.code == 2, result
    assert f"{option} {value!r} is not valid" in result.stderr and hint in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_show_prints_whole_comments_at_any_width_and_times_in_the_desk_zone(drun, desk):
    words = " ".join(f"step{i}" for i in range(80))
    created = drun("ticket", "create", "--title", "Diagnostics", "--channel", "phone", "--json",
                   env={"DESKCTL_NOW": "2026-07-01T07:00:00Z"})
    t = created.json()
    assert drun("ticket", "comment", t["id"], "--text", words, env={"DESKCTL_NOW": "2026-07-01T08:00:00Z"}).code == 0
    for columns in ("200", "60", ""):
        shown = drun("ticket", "show", t["id"], env={"COLUMNS": columns})
        assert shown.code == 0, shown
        assert words in " ".join(shown.stdout.split()), columns
        if columns:
            assert max(map(len, shown.stdout.splitlines()[-12:])) <= int(columns)
    # the shipped desk works in Europe/Rome: summer time is labelled CEST, never bare UTC
    assert "2026-07-01 10:00 CEST" in drun("ticket", "show", t["id"]).stdout


def test_a_retried_pipeline_reuses_its_change_even_after_it_was_resolved(drun):
    args = ("ticket", "create", "--type", "change", "--channel", "api", "--title", "Deploy shop v2.3",
            "--service", "erp", "--dedup-key", "deploy-981", "--dedup-scope", "any")
    first = drun(*args)
    assert first.code == 0, first
    change = first.stdout.strip()
    assert drun("ticket", "resolve", change, "--resolution", "Deployed by pipeline 981", "--category", "software-fault").code == 0
    retried = drun(*args)
    assert retried.code == 0 and retried.stdout.strip() == change, retried
    assert "already exists for this dedup key (resolved)" in retried.stderr
    assert drun("ticket", "show", change, "--json").json()["status"] == "resolved"  # untouched
    # and its resolve step, retried, succeeds without a second resolution; another text is refused
    assert drun("ticket", "resolve", change, "--resolution", "Deployed by pipeline 981").code == 0
    assert drun("ticket", "resolve", change, "--resolution", "Something else").code == 2
    history = drun("ticket", "show", change, "--json").json()["history"]
    assert [e["action"] for e in history].count("resolve") == 1
    # the cron default: a key whose ticket is finished opens a new one next time
    assert drun(*args[:-2]).stdout.strip() != change


def test_attachments_are_stored_readable_by_their_owner_and_group_only(drun, desk, tmp_path):
    t = create(drun, "--title", "Share a log")
    for n, mode in enumerate((0o644, 0o666, 0o600)):
        log = tmp_path / f"shared-{n}.log"
        log.write_text(f"log {n}\n")
        log.chmod(mode)
        attached = drun("ticket", "attach", t["id"], str(log), "--json")
        assert attached.code == 0, attached
    stored = [p for p in desk.rglob("*") if "attachments" in p.parts and p.is_file()]
    assert len(stored) == 3
    umask = os.umask(0o022)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in stored} == {0o660 & ~umask}  # never for others
    assert not [p for p in stored if p.name.startswith(".")]


def test_every_view_shows_times_in_the_desk_zone_whatever_tz_says(drun):
    now = {"DESKCTL_NOW": "2026-11-25T08:00:00Z"}  # 09:00 in Rome, the shipped desk's zone
    ticket = drun("ticket", "create", "--title", "Zones", "--json", env=now).json()["id"]
    views = [("ticket", "show", ticket), ("ticket", "sla"), ("report", "kpi", "--since", "2026-11-01")]
    seen = {}
    for tz in ("UTC", "Asia/Tokyo", "America/New_York"):
        seen[tz] = [drun(*view, env={**now, "TZ": tz}).stdout for view in views]
    assert seen["UTC"] == seen["Asia/Tokyo"] == seen["America/New_York"]
    show, sla, kpi = seen["UTC"]
    assert "2026-11-25 09:00 CET" in show and "CET" in sla and "09:00 CET" in kpi


def test_open_in_a_status_list_stands_for_the_open_statuses(drun):
    open_one = create(drun, "--title", "Still open")["id"]
    done = create(drun, "--title", "Done")["id"]
    assert drun("ticket", "resolve", done, "--resolution", "fixed", "--category", "other").code == 0
    listed = drun("ticket", "list", "--status", "open,resolved", "--json").json()
    assert sorted(r["id"] for r in listed) == sorted([open_one, done])
    empty = drun("ticket", "list", "--status", ",")
    assert empty.code == 2 and "names no status" in empty.stderr


def test_the_queue_table_shows_a_page_and_says_more_match(invoke, drun, desk):
    for number in range(53):
        created = invoke("ticket", "create", "--title", f"printer {number:02d}", cwd=desk,
                         env={"DESKCTL_NOW": f"2026-11-02T08:{number:02d}:00Z"})
        assert created.code == 0, created
    table = drun("ticket", "list")
    assert table.code == 0
    shown = [line for line in table.stdout.splitlines() if " printer " in f" {line} "]
    assert len(shown) == 50 and "printer 00" in shown[0] and "printer 49" in shown[-1]
    assert "oldest 50 shown; more match (--limit 0 lists every one)" in table.stderr
    every = drun("ticket", "list", "--limit", "0")
    assert sum(" printer " in f" {line} " for line in every.stdout.splitlines()) == 53 and "more match" not in every.stderr
    assert len(drun("ticket", "list", "--json").json()) == 53  # data formats are never cut to a page
    assert drun("ticket", "list", "--format", "csv").stdout.count("printer ") == 53
    few = drun("ticket", "list", "--limit", "3")
    assert sum(" printer " in f" {line} " for line in few.stdout.splitlines()) == 3 and "more match" not in few.stderr
