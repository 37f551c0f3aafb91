"""`deskctl cmdb` items: mirrors of the inventory and catalogue, adopting one, bad input in one
line (exit 2), import and export in every format, diff."""

from __future__ import annotations

import json


def _ok(result):
    assert result.code == 0, result
    return result


def _inventory(desk) -> None:
    (desk / "config" / "inventory.yaml").write_text(
        "hosts:\n  web1: {address: 10.0.0.11, groups: [web]}\n  db1: {address: 10.0.0.21}\n")


def test_inventory_hosts_and_catalogue_services_are_listed_as_mirrors(drun, desk):
    _inventory(desk)
    items = {i["name"]: i for i in _ok(drun("cmdb", "list", "--json")).json()}
    assert items["web1"]["type"] == "host" and items["web1"]["source"] == "inventory"
    assert items["web1"]["attributes"]["address"] == "10.0.0.11"
    assert items["mail"]["type"] == "service" and items["mail"]["source"] == "catalogue"
    _ok(drun("cmdb", "update", "web1", "--set", "memory=4G", "--why", "recorded"))  # adopted into the CMDB
    items = {i["name"]: i for i in _ok(drun("cmdb", "list", "--json")).json()}
    assert items["web1"]["source"] == "cmdb" and items["web1"]["attributes"]["memory"] == "4G"
    assert items["web1"]["attributes"]["address"] == "10.0.0.11"
    entry = _ok(drun("cmdb", "history", "web1", "--json")).json()[0]
    assert entry["changes"] == {"attributes.memory": [None, "4G"]} and "adopted from the inventory" in entry["why"]
    assert [i["name"] for i in _ok(drun("cmdb", "list", "--source", "inventory", "--json")).json()] == ["db1"]


def test_bad_input_is_one_line_and_exit_2(drun):
    cases = [
        (("cmdb", "add", "x1", "--type", "toaster"), "unknown item type 'toaster'"),
        (("cmdb", "add", "x1", "--type", "host", "--status", "dead"), "unknown status 'dead'"),
        (("cmdb", "add", "../etc", "--type", "host"), "is not valid"),
        (("cmdb", "add", "x1", "--type", "host", "--relation", "depends-on:nowhere"), "nowhere is no configuration item"),
        (("cmdb", "relate", "mail", "likes", "vpn", "--why", "x"), "unknown relation kind 'likes'"),
        (("cmdb", "show", "nope"), "no configuration item nope"),
        (("cmdb", "impact", "nope"), "no configuration item nope"),
        (("cmdb", "update", "mail", "--owner", "x"), "--why is required"),
        (("cmdb", "update", "mail", "--owner", "x", "--why", "y", "--change", "CHG-99"), "no ticket CHG-99"),
    ]
    for args, message in cases:
        result = drun(*args)
        assert result.code == 2, (args, result)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, (args, result)


def test_the_configured_types_are_the_allowed_ones(drun, desk):
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ncmdb: {types: [host, toaster]}\n")
    _ok(drun("cmdb", "add", "t1", "--type", "toaster"))
    assert drun("cmdb", "add", "d1", "--type", "database").code == 2
    config.write_text(config.read_text() + "\ncmdb: {types: [Bad Type]}\n")
    wrong = drun("cmdb", "list")
    assert wrong.code == 2 and "deskctl.yaml" in wrong.stderr


def test_export_then_import_round_trips_in_every_format(drun, desk):
    _ok(drun("cmdb", "add", "db1", "--type", "database", "--owner", "dba", "--set", "memory=16G"))
    _ok(drun("cmdb", "add", "shop", "--type", "application", "--relation", "depends-on:db1", "--set", "port=443"))
    exported = {}
    for fmt in ("yaml", "json", "csv"):
        _ok(drun("cmdb", "export", "--out", f"items.{fmt}"))
        exported[fmt] = (desk / f"items.{fmt}").read_text()
    assert "depends-on:db1" in exported["csv"] and "attributes.memory" in exported["csv"]
    for fmt in ("yaml", "json", "csv"):
        other = desk.parent / f"other-{fmt}"
        _ok(drun("init", str(other)))
        (other / f"items.{fmt}").write_text(exported[fmt])
        result = _ok(drun("cmdb", "import", f"items.{fmt}", "--json", cwd=other)).json()
        assert result == {"added": ["db1", "shop"], "updated": [], "unchanged": []}, fmt
        shop = _ok(drun("cmdb", "show", "shop", "--json", cwd=other)).json()
        assert shop["relations"] == [{"kind": "depends-on", "to": "db1"}] and shop["attributes"]["port"] in (443, "443")
        again = _ok(drun("cmdb", "import", f"items.{fmt}", "--json", cwd=other)).json()
        assert again["unchanged"] == ["db1", "shop"], fmt


def test_a_bad_record_in_an_import_names_it_and_writes_nothing(drun, desk):
    (desk / "items.json").write_text(json.dumps([{"name": "a1", "type": "host"}, {"name": "a2", "type": "car"}]))
    result = drun("cmdb", "import", "items.json")
    assert result.code == 2 and "items.json: item 2 (a2): type: unknown item type 'car'" in result.stderr, result
    assert drun("cmdb", "show", "a1").code == 2
    (desk / "items.csv").write_text("name,type,colour\na1,host,red\n")
    result = drun("cmdb", "import", "items.csv")
    assert result.code == 2 and "items.csv:2: unknown column 'colour'" in result.stderr, result


def test_diff_two_items_and_an_item_against_a_record(drun, desk):
    _ok(drun("cmdb", "add", "web1", "--type", "host", "--set", "memory=4G", "--set", "os=debian"))
    _ok(drun("cmdb", "add", "web2", "--type", "host", "--set", "memory=8G", "--set", "os=debian", "--owner", "ops"))
    found = _ok(drun("cmdb", "diff", "web1", "web2", "--json")).json()
    assert found == [{"field": "owner", "left": None, "right": "ops"},
                     {"field": "attributes.memory", "left": "4G", "right": "8G"}]
    (desk / "web1.yaml").write_text("name: web1\ntype: host\nattributes: {memory: 4G, os: ubuntu}\n")
    (desk / "web1.yaml").write_text("- " + (desk / "web1.yaml").read_text().replace("\n", "\n  ").rstrip() + "\n")
    found = _ok(drun("cmdb", "diff", "web1", "--file", "web1.yaml", "--json")).json()
    assert found == [{"field": "attributes.os", "left": "debian", "right": "ubuntu"}]
    assert "no differences" in _ok(drun("cmdb", "diff", "web1", "web1")).stdout
    assert drun("cmdb", "diff", "web1").code == 2
