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


AWKWARD = {"at": "2026-12-03T10:00:00+00:00", "account": "łukasz \"o'neil\" \\ \u2028 ☃", "command": "ticket create",
           "options": ["--title", "a\tb\nc"], "targets": ["INC-1"], "outcome": "ok", "exit_code": 0, "pid": 2**40,
           "on_behalf_of": None, "pr": {"z": [1, 2.5, True], "a": {}}, "prevx": "", "r": "between", "se": "x", "seqs": [], "zz": "é"}


def test_the_canonical_text_cut_around_prev_and_seq_is_the_one_hashed():
    from deskctl.audit.chain import canonical, canonical_parts, seal

    record = seal(AWKWARD, seq=12345, prev="ab" * 32)
    before, between, after = canonical_parts(AWKWARD)
    body = {k: v for k, v in record.items() if k != "hash"}
    assert before + canonical("ab" * 32) + between + "12345" + after == canonical(body)


def test_the_digest_is_sha256_of_the_canonical_text():
    import hashlib

    from deskctl.audit.chain import canonical, digest, seal

    record = seal(AWKWARD, seq=7, prev="cd" * 32)
    body = {k: v for k, v in record.items() if k != "hash"}
    assert record["hash"] == digest(record) == hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def test_records_of_any_text_verify(backend):
    sealed = [backend.audit.append(AWKWARD), backend.audit.append({**AWKWARD, "account": "lena"})]
    assert [e.record for e in backend.audit.entries()] == sealed
    assert _check(backend) == (2, None)
    assert backend.audit.head() == {"seq": 2, "hash": sealed[1]["hash"]}
