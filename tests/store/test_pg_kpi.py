"""`report kpi` on PostgreSQL is added up in SQL (deskctl.store.postgres.kpi) over the facts
kept with finished tickets: it must say exactly what the file store's Python says of the same
tickets, for every period, with surveys sampled, answered and declined, and after the SLA
policy changed under facts already kept."""

from __future__ import annotations

import json
import shutil

import pytest

from deskctl.store.postgres.migrations import SCHEMA_VERSION
from tests.store.test_postgresql import point_at
from tests.support.postgres import new_database

NOW = "2026-12-04T03:00:00+00:00"
SURVEYS = """\
  every: 2
  questionnaire:
    - id: speed
      text: {en: How fast?}
    - id: channel_pref
      text: {en: Preferred channel?}
      choices: [phone, email]
    - id: clarity
      text: {en: How clear?}
      scale: 10
"""


def surveyed_desk(path) -> None:
    """Surveys of some types, a share of them, every second closed ticket, a questionnaire."""
    config = path / "config" / "deskctl.yaml"
    text = config.read_text()
    for old, new in (("  sample: 100%", "  sample: 60% "), ("  types: []", "  types: [incident, service-request]"),
                     ("  once: true", SURVEYS + "  once: true")):
        assert old in text
        text = text.replace(old, new, 1)
    config.write_text(text)


@pytest.fixture
def twin_desks(run, tmp_path, pg_cluster):
    """The same 1,500 tickets (with survey answers, comments and a refusal) in a file desk
    and, copied by `store copy`, in a PostgreSQL desk."""
    env = {"DESKCTL_NOW": NOW, "DESKCTL_ACTOR": "analyst"}
    files, team = tmp_path / "files", tmp_path / "team"
    assert run("init", str(files)).code == 0
    surveyed_desk(files)
    assert run("demo", "seed", "--tickets", "1500", "--seed", "3", cwd=files, env=env).code == 0
    pending = [t["id"] for t in run("survey", "pending", "--json", cwd=files, env=env).json()]
    assert len(pending) >= 8, pending
    answers = [
        ("--score", "2", "--answer", "speed=1", "--answer", "channel_pref=email", "--comment", "far too slow"),
        ("--answer", "clarity=3", "--answer", "speed=2", "--comment", "  unclear  "),
        ("--answer", "channel_pref=phone", "--method", "email"),
        ("--declined",),
    ]
    for number, tid in enumerate(pending[:8]):
        result = run("ticket", "survey", tid, *answers[number % 4], cwd=files, env=env)
        assert result.code == 0, result
    shutil.copytree(files / "config", team / "config")
    dsn = new_database(pg_cluster)
    point_at(team, dsn)
    assert run("store", "migrate", cwd=team).code == 0
    copied = run("store", "copy", "--to", dsn, cwd=files, env=env)
    assert copied.code == 0, copied
    return files, team, env


def reports(run, desks, env, *args) -> list[dict]:
    found = []
    for desk in desks:
        result = run("report", "kpi", "--json", *args, cwd=desk, env=env)
        assert result.code == 0, result
        found.append(result.json())
    return found


def kept_facts(pg_cluster, team) -> tuple[int, int]:
    """(finished tickets, those with facts kept) in the team desk's database."""
    config = (team / "config" / "deskctl.yaml").read_text()
    database = config.rsplit("/", 1)[1].split("'")[0]
    out = pg_cluster.psql("SELECT count(*), count(f.key) FROM tickets t JOIN ticket_facts f ON f.id = t.id "
                          "WHERE t.status IN ('resolved', 'closed')", dbname=database)
    finished, kept = (int(n) for n in out.strip().split("|"))
    return finished, kept


@pytest.mark.parametrize("period", [(), ("--since", "30d"), ("--since", "2026-10-01", "--until", "2026-11-15")],
                         ids=["all", "30d", "oct-nov"])
def test_the_sql_report_says_what_the_python_report_says(twin_desks, run, pg_cluster, period):
    files, team, env = twin_desks
    finished, kept = kept_facts(pg_cluster, team)
    assert finished > 1000 and kept >= finished - 50  # nearly every finished ticket's facts were kept
    in_files, in_pg = reports(run, (files, team), env, *period)
    assert in_pg == in_files
    satisfaction = in_pg["satisfaction"]
    assert in_pg["volume"]["total"] > 0 and in_pg["csat"]["response_rate"]["denominator"] > 0
    if not period:
        # ranked by the overall score, else the mean of the answers on a 1-5 scale (clarity 3/10, speed 2)
        lowest = [(c["comment"], c["score"]) for c in satisfaction["lowest_comments"][:3]]
        assert lowest[:2] == [("  unclear  ", 1.94), ("  unclear  ", 1.94)] and lowest[2][0] == "far too slow"
        assert {q["id"]: q["responses"] for q in satisfaction["questions"]}["channel_pref"] == 4


@pytest.mark.parametrize("sample", ["60%", "100%"])
def test_surveys_asked_of_every_closed_ticket_are_counted_alike(twin_desks, run, sample):
    """Without the every-Nth rule the survey response rate is counted in the report's main pass."""
    files, team, env = twin_desks
    for desk in (files, team):
        config = desk / "config" / "deskctl.yaml"
        text = config.read_text().replace("  every: 2\n", "  every: 1\n").replace("  sample: 60% ", f"  sample: {sample} ")
        config.write_text(text)
    in_files, in_pg = reports(run, (files, team), env)
    assert in_pg == in_files
    asked = in_pg["csat"]["response_rate"]
    assert asked["numerator"] > 0 and asked["denominator"] > asked["numerator"]
    of_l1 = reports(run, (team,), env, "--group", "L1")[0]["csat"]["response_rate"]
    assert 0 < of_l1["denominator"] < asked["denominator"]


@pytest.mark.parametrize("args", [("--group", "L2"), ("--group", "L1", "--since", "30d"),
                                  ("--group", "network", "--since", "2026-10-01", "--until", "2026-11-15")],
                         ids=["L2-all", "L1-30d", "network-oct-nov"])
def test_the_sql_report_of_one_group_says_what_the_python_report_says(twin_desks, run, args):
    """--group: the tickets the group held at some time, and what it did with them."""
    files, team, env = twin_desks
    in_files, in_pg = reports(run, (files, team), env, *args)
    assert in_pg == in_files
    assert in_pg["group"] == args[1] and 0 < in_pg["volume"]["total"] < 1500
    work = in_pg["group_work"]
    assert work["touched"] > 0 and work["tickets"]["touched"] == sorted(work["tickets"]["touched"])
    assert in_pg["volume"] != reports(run, (team,), env, *args[2:])[0]["volume"]  # a part of the whole


@pytest.mark.parametrize("args", [("--by", "group"), ("--by", "channel", "--since", "30d"), ("--by", "category"),
                                  ("--by", "type", "--group", "L1"), ("--by", "assignee")],
                         ids=["group", "channel-30d", "category", "type-of-L1", "assignee"])
def test_the_sql_breakdown_says_what_the_python_breakdown_says(twin_desks, run, args):
    files, team, env = twin_desks
    in_files, in_pg = reports(run, (files, team), env, *args)
    assert in_pg == in_files
    rows = in_pg["rows"]
    assert len(rows) >= 3 and [r["volume"] for r in rows] == sorted((r["volume"] for r in rows), reverse=True)
    assert sum(r["escalated"] for r in rows) > 0 and sum(r["resolved"] for r in rows) > 0


def test_group_and_breakdown_reports_on_postgresql_read_no_summary_rows(twin_desks, monkeypatch):
    """It is added up in SQL: the Python path (every summary row loaded) is never taken."""
    from deskctl.desk import Desk
    from deskctl.reports import data

    files, team, env = twin_desks
    monkeypatch.setenv("DESKCTL_NOW", NOW)
    monkeypatch.setattr(data, "load_rows", lambda desk: pytest.fail("every summary row was loaded"))
    result = data.kpi_report(Desk(str(team)), group="L2")
    assert result["group"] == "L2" and result["group_work"]["touched"] > 0
    by_channel = data.kpi_report(Desk(str(team)), by="channel")
    assert {r["channel"] for r in by_channel["rows"]} >= {"phone", "email"}


def test_facts_kept_under_another_policy_are_judged_again(twin_desks, run, pg_cluster):
    files, team, env = twin_desks
    for desk in (files, team):  # a tighter resolution target for medium tickets, on both desks
        config = desk / "config" / "deskctl.yaml"
        text = config.read_text()
        assert "medium:   {calendar: office, response: 4h,  resolution: 2d}" in text
        config.write_text(text.replace("response: 4h,  resolution: 2d", "response: 1h,  resolution: 4h"))
    before = reports(run, (files, team), env)
    assert before[1] == before[0]
    checked = run("store", "check", "--json", cwd=team, env=env)
    assert checked.code == 2  # problems found (as for stale summary rows)
    assert any("without KPI facts under the current SLA policy" in p for p in checked.json()["problems"])
    assert run("store", "check", "--repair", cwd=team, env=env).code == 0
    assert run("store", "check", cwd=team, env=env).code == 0
    after = reports(run, (files, team), env)
    assert after[1] == after[0] == before[0]
    assert json.dumps(after[1]["resolution_sla"]) != "{}"


def test_a_desk_upgraded_to_kept_facts_is_told_to_repair_once(run, tmp_path, pg_cluster):
    import psycopg2

    from deskctl.store.postgres.migrations import MIGRATIONS

    dsn = new_database(pg_cluster)
    desk = tmp_path / "desk"
    assert run("init", str(desk)).code == 0
    point_at(desk, dsn)
    conn = psycopg2.connect(dsn)  # the schema as the deskctl before facts left it (version 7)
    try:
        with conn, conn.cursor() as cur:
            for migration in MIGRATIONS:
                if migration.version < 8:
                    cur.execute(migration.sql)
                    cur.execute("INSERT INTO deskctl_schema (version, description, deskctl) VALUES (%s, %s, %s)",
                                (migration.version, migration.description, "0.0.7"))
    finally:
        conn.close()
    migrated = run("store", "migrate", cwd=desk)
    assert migrated.code == 0, migrated
    assert f"from version 7 to {SCHEMA_VERSION}" in migrated.stderr and "next: run `deskctl store check --repair` once" in migrated.stderr
    fresh = tmp_path / "fresh"  # a new database is told nothing more
    assert run("init", str(fresh)).code == 0
    point_at(fresh, new_database(pg_cluster))
    assert "next:" not in run("store", "migrate", cwd=fresh).stderr
