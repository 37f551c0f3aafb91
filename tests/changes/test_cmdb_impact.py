"""With the CMDB (`deskctl.cmdb`, built separately) a change's impact is computed from the
relations of its items; without it the test is skipped (the impact is then given by hand)."""

from __future__ import annotations

import pytest

pytest.importorskip("deskctl.cmdb.impact")


def test_a_change_on_db1_shows_what_depends_on_it(drun):
    for args in (("db1", "--type", "database"), ("shop-app", "--type", "application", "--relation", "depends-on:db1"),
                 ("shop", "--type", "service", "--relation", "depends-on:shop-app", "--set", "groups=customers")):
        assert drun("cmdb", "add", *args).code == 0
    cid = drun("change", "create", "--title", "Patch db1", "--item", "db1", "--item", "not-recorded").stdout.strip()
    assessed = drun("change", "assess", cid, "--json")
    assert assessed.code == 0, assessed
    impact = assessed.json()["change"]["impact"]
    assert impact["services"] == ["shop"] and impact["applications"] == ["shop-app"]
    assert impact["groups"] == ["customers"] and impact["unknown"] == ["not-recorded"]
    assert impact["source"] == "cmdb"
    edited = drun("change", "assess", cid, "--impact-service", "mail", "--json").json()["change"]["impact"]
    assert edited["services"] == ["mail"] and edited["applications"] == ["shop-app"]  # given replaces computed
