"""What a requester typed reaches the operator's terminal shown, never obeyed: no raw ESC,
BEL, C1 or bidi control in any human output, with a cold or a warm cache, while
`--json` keeps the exact string."""

from __future__ import annotations

import csv
import io

import pytest

EVIL = "Printer \x1b]0;pwned\x07 \x1b[2J gone \x1b[1A\x1b[2K \x9b31m red \u202eevil"
SHOWN = "Printer ^[]0;pwned^G ^[[2J gone ^[[1A^[[2K <U+009B>31m red <U+202E>evil"
RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def raw_controls(text: str, allowed: str = "\n") -> set[str]:
    return {c for c in text if c in RAW and c not in allowed}


def flat(text: str) -> str:
    """The words of `text` with single spaces: a table cell cut or wrapped to the width reads
    the same (the cells checked here are in a table's last column)."""
    return " ".join(text.split())


@pytest.fixture(params=["cold cache", "warm cache"])
def trun(request, drun, tmp_path):
    """Ticket commands with a cold cache (a fresh cache folder per run) or the session's warm
    cache (plugin index and parsed YAML already there)."""
    if request.param == "warm cache":
        assert drun("ticket", "list").code == 0  # fills the session's cache
        return drun
    counter = iter(range(1000))

    def _run(*args, **kwargs):
        return drun(*args, env={"DESKCTL_CACHE_DIR": str(tmp_path / f"cold-{next(counter)}")}, **kwargs)

    return _run


def test_ticket_fields_are_shown_not_obeyed_and_json_keeps_them(trun, desk):
    created = trun("ticket", "create", "--title", EVIL, "--requester-name", EVIL, "--description", EVIL, "--json")
    assert created.code == 0, created
    ticket = created.json()
    assert ticket["title"] == EVIL and ticket["requester"]["name"] == EVIL
    assert raw_controls(created.stdout) == set()  # JSON-escaped, not raw
    tid = ticket["id"]
    assert trun("ticket", "comment", tid, "--text", f"called back\n{EVIL}").code == 0

    shown = trun("ticket", "show", tid)
    assert shown.code == 0, shown
    assert raw_controls(shown.stdout + shown.stderr) == set(), shown
    assert f"{tid}  {SHOWN}" in shown.stdout and f"Requester  {SHOWN}" in shown.stdout
    assert f"called back {SHOWN}" in flat(shown.stdout)  # the comment in the timeline: one row
    assert trun("ticket", "show", tid, "--json").json()["history"][-1]["note"] == f"called back\n{EVIL}"

    listed = trun("ticket", "list")
    assert listed.code == 0 and raw_controls(listed.stdout + listed.stderr) == set(), listed
    assert SHOWN[:40] in flat(listed.stdout)
    assert [t["title"] for t in trun("ticket", "list", "--json").json()] == [EVIL]

    as_csv = trun("ticket", "list", "--format", "csv")
    assert as_csv.code == 0 and raw_controls(as_csv.stdout, "\r\n") == set(), as_csv
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout.lstrip("\ufeff"))))
    assert [(r["title"], r["requester"]) for r in rows] == [(SHOWN, SHOWN)]  # still one parseable row


def test_error_message_shows_the_bad_value_without_obeying_it(trun, desk):
    tid = trun("ticket", "create", "--title", "Mouse", "--json").json()["id"]
    result = trun("ticket", "attach", tid, EVIL)
    assert result.code == 2, result
    assert raw_controls(result.stderr) == set() and SHOWN in result.stderr, result
    assert result.stderr.count("\n") == 1
