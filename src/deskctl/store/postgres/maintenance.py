"""`store check` and `store archive` on PostgreSQL, in chunks of tickets."""

from __future__ import annotations

from datetime import timedelta

from deskctl.store.postgres.connection import query_all, query_one
from deskctl.store.postgres.tickets import (
    CHUNK,
    FACTS_UPSERT,
    fact_values,
    judged_facts,
    sequence_name,
    to_json,
    write_row,
)
from deskctl.util import clock, jsoncodec
from deskctl.util.durations import parse_duration
from deskctl.util.progress import progress


def _normal(value):
    return jsoncodec.loads(to_json(value))


def check(backend, summarise, repair: bool = False) -> dict:
    """Summary rows and columns equal what the documents say; sequences ahead of every
    number; every attachment a ticket names stored with its size. `repair` rewrites rows
    and moves sequences on (documents are the source of truth)."""
    backend.ready(writing=repair)
    db, store = backend.db, backend.tickets
    problems: list[str] = []
    stale: list[str] = []
    unjudged: list[str] = []  # finished tickets whose KPI facts are missing or of another policy
    blobs = dict(query_all(db, "SELECT sha256, size FROM attachment_blobs"))
    total = query_one(db, "SELECT count(*) FROM tickets")[0]
    with progress("checking tickets", int(total)) as bar:
        count = _check_pages(db, summarise, blobs, stale, problems, bar, store.judge, unjudged)
    if stale:
        problems.append(f"{len(stale)} ticket summary row(s) out of date (first: {stale[0]})")
    if unjudged:
        problems.append(f"{len(unjudged)} ticket(s) without KPI facts under the current SLA policy "
                        f"(first: {unjudged[0]}): `report kpi` judges them on every run")
    behind = []
    for prefix, top in query_all(db, "SELECT prefix, max(number) FROM tickets GROUP BY prefix ORDER BY prefix"):
        found = query_one(db, "SELECT to_regclass(%s)", (sequence_name(prefix),))
        following = _next_number(db, prefix) if found and found[0] else 1
        if following <= top:
            behind.append((prefix, top))
    if behind:
        problems.append("ticket number sequences are behind the stored tickets: "
                        + ", ".join(f"{p} (highest {n})" for p, n in behind))
    repaired = False
    if repair and (stale or behind or unjudged):
        rewrite = sorted(set(stale))
        with backend.write_transaction("the ticket store") as cur:
            for start in range(0, len(rewrite), CHUNK):
                for ticket in store.load(rewrite[start:start + CHUNK]):
                    write_row(cur, store, ticket, summarise(ticket))
            _judge_again(cur, store, sorted(set(unjudged) - set(stale)))
            for prefix, top in behind:
                set_next(cur, prefix, top + 1)
        repaired = True
    return {"tickets": count, "files": len(blobs), "where": f"PostgreSQL at {db.where}",
            "problems": problems, "repaired": repaired}


def _judge_again(cur, store, ids: list[str]) -> None:
    """KPI facts judged again for tickets whose rows are current (after a change of the SLA
    policy, or an upgrade to kept facts): from their summary rows, only `ticket_facts`
    rewritten, a chunk per statement batch (rewriting each whole row took minutes at 1M)."""
    for start in range(0, len(ids), CHUNK):
        cur.execute("SELECT id, summary::text FROM tickets WHERE id = ANY(%s)", (ids[start:start + CHUNK],))
        statements = [cur.mogrify(FACTS_UPSERT, fact_values(tid, judged_facts(store, jsoncodec.loads(text))))
                      for tid, text in cur.fetchall()]
        if statements:
            cur.execute(b"; ".join(statements))


def _check_pages(db, summarise, blobs: dict, stale: list[str], problems: list[str], bar, judge,
                 unjudged: list[str]) -> int:
    """Every document against its row and attachments, in keyset pages (never all at once);
    `unjudged`: finished tickets whose kept KPI facts are not under the current policy."""
    from deskctl.reports.facts import DONE, policy_key

    key = policy_key(judge.desk)
    count, last = 0, ""
    while True:
        page = query_all(db, "SELECT t.id, t.doc::text, t.summary::text, t.status, t.archived, f.key, f.id IS NOT NULL "
                         "FROM tickets t LEFT JOIN ticket_facts f ON f.id = t.id "
                         "WHERE t.id > %s ORDER BY t.id LIMIT %s", (last, CHUNK))
        for tid, doc_text, summary_text, status, archived, kept_key, has_facts in page:
            count += 1
            last = tid
            doc = jsoncodec.loads(doc_text)
            row = summarise(doc)
            if (_normal(row) != jsoncodec.loads(summary_text) or status != doc.get("status")
                    or archived != bool(doc.get("archived"))):
                stale.append(tid)
            elif not has_facts or (kept_key != key and doc.get("status") in DONE and judge(row) is not None):
                unjudged.append(tid)
            for info in doc.get("attachments") or []:
                if blobs.get(info.get("sha256")) != info.get("size"):
                    problems.append(f"attachment {info.get('name')!r} of {tid} is missing or has another size; "
                                    "restore it from a backup")
        bar.advance(len(page))
        if len(page) < CHUNK:
            return count


def _next_number(db, prefix: str) -> int:
    last, called = query_one(db, f"SELECT last_value, is_called FROM {sequence_name(prefix)}")
    return int(last) + 1 if called else int(last)


def next_numbers(db) -> dict[str, int]:
    """The next free number of every prefix that has a sequence."""
    found = {}
    for (name,) in query_all(db, "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
                             "AND sequencename LIKE 'ticket\\_number\\_%%'"):
        prefix = name[len("ticket_number_"):].upper()
        found[prefix] = _next_number(db, prefix)
    return found


def set_next(cur, prefix: str, following: int) -> None:
    from deskctl.store.postgres.tickets import PgTicketStore

    PgTicketStore.create_sequence(cur, prefix)
    cur.execute("SELECT setval(%s, %s, false)", (sequence_name(prefix), following))


def archive(backend, older_than: str, dry_run: bool = False) -> list[str]:
    """Mark tickets closed more than `older_than` ago as archived (rows and documents)."""
    limit = parse_duration(older_than, "--older-than")
    cutoff = (clock.now() - timedelta(seconds=limit)).isoformat()
    backend.ready(writing=not dry_run)
    where = "status = 'closed' AND NOT archived AND closed_at IS NOT NULL AND closed_at <= %s"
    if dry_run:
        return [r[0] for r in query_all(backend.db, f"SELECT id FROM tickets WHERE {where} ORDER BY created_at, id",
                                        (cutoff,))]
    with progress("archiving tickets"), backend.write_transaction("the ticket store") as cur:
        cur.execute(f"UPDATE tickets SET archived = true, doc = jsonb_set(doc, '{{archived}}', 'true') "
                    f"WHERE {where} RETURNING id, created_at", (cutoff,))
        return [tid for tid, _ in sorted(cur.fetchall(), key=lambda r: (r[1], r[0]))]
