"""The audit trail through the seam: appends chain, verify finds edits, gaps and a cut tail
on every backend (each tampered with by its own means: a file edited, a row changed)."""

from __future__ import annotations

from deskctl.audit.chain import GENESIS
from deskctl.audit.verify import verify


def _append(backend, n: int) -> list[dict]:
    return [backend.audit.append({"at": f"2026-12-03T10:00:0{i}+00:00", "account": "lena", "command": "ticket create",
                                  "targets": [f"INC-{i}"], "outcome": "ok", "exit_code": 0}) for i in range(1, n + 1)]


def _check(backend):
    return verify(backend.audit.entries(), backend.audit.head(), backend.audit.head_where)


def _tamper(backend, desk, backend_name, sql: str, edit) -> None:
    if backend_name == "postgresql":
        with backend.write_transaction("test") as cur:
            cur.execute(sql)
    else:
        log = desk.data_dir / "audit" / "log.jsonl"
        log.write_text(edit(log.read_text().splitlines(keepends=True)))


def test_appends_chain_and_verify_passes(backend):
    assert backend.audit.head() is None and _check(backend) == (0, None)
    sealed = _append(backend, 3)
    assert [r["seq"] for r in sealed] == [1, 2, 3]
    assert sealed[0]["prev"] == GENESIS and sealed[1]["prev"] == sealed[0]["hash"]
    assert backend.audit.head() == {"seq": 3, "hash": sealed[2]["hash"]}
    assert [e.record for e in backend.audit.entries()] == sealed
    assert _check(backend) == (3, None)


def test_an_edited_record_is_named(backend, desk, backend_name):
    _append(backend, 3)
    _tamper(backend, desk, backend_name,
            "UPDATE audit_log SET record = jsonb_set(record, '{account}', '\"mallory\"') WHERE seq = 2",
            lambda lines: "".join([lines[0], lines[1].replace('"lena"', '"mallory"'), lines[2]]))
    count, problem = _check(backend)
    assert count == 1 and problem.seq == 2 and "does not match its hash" in problem.message


def test_a_removed_record_is_named(backend, desk, backend_name):
    _append(backend, 3)
    _tamper(backend, desk, backend_name, "DELETE FROM audit_log WHERE seq = 2",
            lambda lines: "".join([lines[0], lines[2]]))
    _, problem = _check(backend)
    assert problem.seq == 2 and "record 2 is missing" in problem.message


def test_a_cut_tail_is_named_and_the_next_append_leaves_the_gap(backend, desk, backend_name):
    _append(backend, 3)
    _tamper(backend, desk, backend_name, "DELETE FROM audit_log WHERE seq = 3", lambda lines: "".join(lines[:2]))
    _, problem = _check(backend)
    assert problem.seq == 3 and "cut after record 2" in problem.message
    _append(backend, 1)  # appending does not heal the cut: record 3 stays missing
    _, problem = _check(backend)
    assert problem is not None and problem.seq == 3
