"""The one config schema (deskctl.desk.config_schema): every key typed and bounded, in
`config check` (every problem, `file:line`) and when any command loads the config (the first)."""

from __future__ import annotations

import pytest

from deskctl.desk import config_schema
from deskctl.desk.defaults import DEFAULTS


def config_with(desk, text: str) -> None:
    (desk / "config" / "deskctl.yaml").write_text(text)


def test_the_defaults_pass_their_own_schema():
    clean, issues = config_schema.validate(DEFAULTS, config_schema.SCHEMA)
    assert issues == [] and clean == DEFAULTS


@pytest.mark.parametrize(("data", "key"), [
    ({"runbooks": {"step_timeout": -5}}, "runbooks.step_timeout"),
    ({"runbooks": {"forks": 0}}, "runbooks.forks"),
    ({"lock_timeout": "soon"}, "lock_timeout"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"tickets": {"archive_after": "99999999999d"}}, "tickets.archive_after"),
    ({"sweep": {"pending_reminder": -5}}, "sweep.pending_reminder"),
    ({"calendars": {"office": {"holidays": ["9999-12-31"]}}}, "calendars.office.holidays.0"),
    ({"rules": [{"name": "x", "match": [1, 2]}]}, "rules.0.match"),
    ({"sla": {"high": "fast"}}, "sla.high"),
    ({"roles": {"head": "carol"}}, "roles.head"),
])
def test_wrong_values_are_errors_naming_the_key(data, key):
    clean, issues = config_schema.validate(data, config_schema.SCHEMA)
    errors = [i for i in issues if i[2]]
    assert errors and errors[0][1].startswith(key + ":"), issues


def test_a_wrong_value_is_left_out_so_its_default_applies():
    clean, _ = config_schema.validate({"runbooks": {"forks": 3, "step_timeout": -5}}, config_schema.SCHEMA)
    assert clean == {"runbooks": {"forks": 3}}


def test_unknown_keys_are_warnings_with_the_nearest_name():
    clean, issues = config_schema.validate({"runbooks": {"step_timout": 5}, "tiketts": {}}, config_schema.SCHEMA)
    assert clean == {"runbooks": {}}  # ignored, as before, by every feature
    assert [(i[1], i[2]) for i in issues] == [
        ("unknown setting 'runbooks.step_timout' (did you mean 'step_timeout'?)", False),
        ("unknown setting 'tiketts' (did you mean 'tickets'?)", False),
    ]


def test_negative_step_timeout_fails_config_check_and_every_command(drun, desk):
    config_with(desk, "timezone: UTC\nrunbooks:\n  forks: 2\n  step_timeout: -5\n")
    (desk / "sops" / "hello.yaml").write_text("name: hello\ntargets: localhost\nsteps:\n  - name: s\n    ssh: echo hi\n")
    check = drun("config", "check")
    assert check.code == 2
    assert check.stderr.startswith("config/deskctl.yaml:4: runbooks.step_timeout: must be a number above 0"), check
    for args in (("sop", "run", "hello", "--yes"), ("ticket", "list"), ("config", "show")):
        result = drun(*args)
        assert result.code == 2 and result.stderr.count("\n") == 1, (args, result)
        assert result.stderr.startswith("deskctl: error: config/deskctl.yaml:4: runbooks.step_timeout"), (args, result)


def test_unknown_nested_key_warns_at_load_and_fails_the_check(drun, desk):
    config_with(desk, "timezone: UTC\nrunbooks:\n  step_timout: 5\n")
    listed = drun("ticket", "list")
    assert listed.code == 0
    assert "warning: config/deskctl.yaml:3: unknown setting 'runbooks.step_timout' (did you mean 'step_timeout'?)" in listed.stderr
    check = drun("config", "check")
    assert check.code == 2 and "config/deskctl.yaml:3: unknown setting 'runbooks.step_timout'" in check.stderr


def test_a_plugin_declares_its_section_through_the_config_schema_hook(drun, desk):
    (desk / "plugins" / "pager.py").write_text(
        "import deskctl\n"
        "from deskctl.desk.config_schema import Fields, Int, Text\n\n"
        "@deskctl.hookimpl\n"
        "def config_schema():\n"
        "    return {'pager': Fields({'url': Text(nonempty=True), 'retries': Int(low=0, high=5)})}\n"
    )
    config_with(desk, "timezone: UTC\npager:\n  url: https://pager.example.com\n  retries: 9\n  colour: red\n")
    result = drun("config", "check", "--json")
    assert result.code == 2
    problems = result.json()["problems"]
    assert "config/deskctl.yaml:4: pager.retries: must be a whole number from 0 to 5, not the number 9" in problems
    assert "config/deskctl.yaml:5: unknown setting 'pager.colour' (did you mean 'url'?)" not in problems
    assert any(p.startswith("config/deskctl.yaml:5: unknown setting 'pager.colour'") for p in problems)
    assert not any("unknown setting 'pager'" in p for p in problems)
