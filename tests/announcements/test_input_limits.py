"""Times out of any sensible range in announcements are bad input: one line, exit 2."""

from __future__ import annotations

from tests.announcements.conftest import create_approved


def test_resolving_at_a_wrong_time_is_one_line_and_changes_nothing(arun, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    before = arun("announce", "show", ann_id, "--json").json()
    for at in ("9999-12-31T23:00", "0001-01-01T00:00", "tomorrow-ish"):
        result = arun("announce", "resolve", "--allow-fallback", ann_id, "--at", at)
        assert result.code == 2 and result.stderr.count("\n") == 1, result
        assert "--at" in result.stderr and "internal error" not in result.stderr, result
    assert arun("announce", "show", ann_id, "--json").json() == before
