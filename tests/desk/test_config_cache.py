"""The config's schema check is remembered per content of the file (deskctl.desk.config_cache):
a remembered answer must be the one a fresh check gives, and any edit must be checked afresh."""

from __future__ import annotations

import os

from deskctl.desk import config_schema, yamlio
from deskctl.desk.config_cache import validated


def test_a_remembered_answer_is_the_fresh_one(desk, monkeypatch, tmp_path):
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path / "cache"))
    config = desk / "config" / "deskctl.yaml"
    with open(config, "a", encoding="utf-8") as fh:
        fh.write("\nsurveys: {sample: 50%, typo_key: 1}\n")
    data = yamlio.load(config)
    fresh = config_schema.validate(data, config_schema.SCHEMA)
    first = validated(data, str(config))
    assert any(n.startswith("config-check-") for n in os.listdir(tmp_path / "cache"))  # the answer was kept
    again = validated(data, str(config))
    assert first == again == fresh
    assert any("typo_key" in issue[1] for issue in again[1])  # the warning survives the cache


def test_an_edit_is_checked_afresh_by_every_command(drun, desk):
    assert drun("ticket", "list").code == 0  # a good file, its answer remembered
    config = desk / "config" / "deskctl.yaml"
    good = config.read_text()
    assert "timezone: " in good
    config.write_text(good.replace("timezone: ", "timezone: Mars/Olympus_Mons  # was: ", 1))
    bad = drun("ticket", "list")
    assert bad.code == 2 and "config/deskctl.yaml:" in bad.stderr and "Mars/Olympus_Mons" in bad.stderr
    assert drun("ticket", "list").code == 2  # still refused with the answer remembered
    config.write_text(good)
    assert drun("ticket", "list").code == 0
