"""`deskctl cmdb` as a user runs it: impact through levels of relations (acceptance 3), the
history of every update with who, when, what and the change (acceptance 4)."""

from __future__ import annotations


def _ok(result):
    assert result.code == 0, result
    return result


def _three_levels(drun):
    """db1 <- shop (application) <- webshop (service, groups sales/finance); db1 <- reports <- hr-portal."""
    _ok(drun("cmdb", "add", "db1", "--type", "database", "--set", "memory=16G", "--why", "new database"))
    _ok(drun("cmdb", "add", "shop", "--type", "application", "--relation", "depends-on:db1"))
    _ok(drun("cmdb", "add", "webshop", "--type", "service", "--relation", "depends-on:shop",
             "--set", "groups=sales,finance"))
    _ok(drun("cmdb", "add", "reports", "--type", "application", "--relation", "connects-to:db1"))
    _ok(drun("cmdb", "add", "hr-portal", "--type", "service", "--relation", "runs-on:reports"))
    _ok(drun("cmdb", "add", "unrelated", "--type", "service", "--set", "groups=it"))


def test_impact_lists_services_and_applications_two_levels_away(drun):
    _three_levels(drun)
    result = _ok(drun("cmdb", "impact", "db1", "--json")).json()
    assert result == {"items": ["db1", "hr-portal", "reports", "shop", "webshop"],
                      "services": ["hr-portal", "webshop"], "applications": ["reports", "shop"],
                      "groups": ["finance", "sales"]}
    table = _ok(drun("cmdb", "impact", "db1")).stdout
    assert "webshop" in table and "depends-on shop" in table and "services: hr-portal, webshop" in table


def test_impact_is_safe_in_a_cycle_and_skips_retired_items(drun):
    _three_levels(drun)
    _ok(drun("cmdb", "relate", "db1", "depends-on", "webshop", "--why", "a loop"))  # db1 -> webshop -> shop -> db1
    _ok(drun("cmdb", "retire", "reports", "--why", "gone"))
    result = _ok(drun("cmdb", "impact", "db1", "--json")).json()
    assert result["items"] == ["db1", "shop", "webshop"]


def test_impact_stops_after_ten_levels(drun, desk):
    import json

    chain = [{"name": "c0", "type": "other"}] + [
        {"name": f"c{i}", "type": "other", "relations": [{"kind": "depends-on", "to": f"c{i - 1}"}]} for i in range(1, 13)]
    (desk / "chain.json").write_text(json.dumps(chain))
    _ok(drun("cmdb", "import", "chain.json", "--why", "a long chain"))
    result = _ok(drun("cmdb", "impact", "c0", "--json")).json()
    assert result["items"] == sorted(f"c{i}" for i in range(11))  # c0 and ten levels, not c11, c12


def test_history_shows_every_update_with_who_when_what_and_the_change(drun, change_ticket):
    chg = change_ticket()
    _ok(drun("cmdb", "add", "web1", "--type", "host", "--set", "memory=4G", "--change", chg, "--why", "new web server"))
    _ok(drun("cmdb", "update", "web1", "--set", "memory=8G", "--change", chg.lower(), "--why", "memory upgrade",
             env={"DESKCTL_ACTOR": "marco"}))
    _ok(drun("cmdb", "update", "web1", "--owner", "web-team", "--why", "handover", env={"DESKCTL_NOW": "2026-12-24T09:30:00Z"}))
    entries = _ok(drun("cmdb", "history", "web1", "--json")).json()
    assert [(e["seq"], e["actor"], e["change"], e["outside_change"]) for e in entries] == [
        (1, "tester", chg, False), (2, "marco", chg, False), (3, "tester", None, True)]
    assert entries[1]["changes"] == {"attributes.memory": ["4G", "8G"]} and entries[1]["why"] == "memory upgrade"
    assert entries[2]["changes"] == {"owner": [None, "web-team"]} and entries[2]["at"] == "2026-12-24T09:30:00+00:00"
    table = _ok(drun("cmdb", "history", "web1")).stdout
    assert "marco" in table and chg in table and "attributes.memory: 4G -> 8G" in table
    assert "2026-12-24 10:30 CET" in table  # desk time, with its zone (Europe/Rome)
    assert "- (outside)" in table


def test_an_unchanged_update_writes_no_history(drun):
    _ok(drun("cmdb", "add", "web1", "--type", "host", "--set", "memory=4G"))
    result = _ok(drun("cmdb", "update", "web1", "--set", "memory=4G", "--why", "same"))
    assert "nothing changed" in result.stderr
    assert len(_ok(drun("cmdb", "history", "web1", "--json")).json()) == 1
