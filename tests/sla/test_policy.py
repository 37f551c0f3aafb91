"""The SLA policy read from the config: targets, overrides, thresholds, mistakes."""

from __future__ import annotations

import copy

from deskctl.desk.defaults import DEFAULTS
from deskctl.sla.policy import _build, parse_percent


def policy_with(**sla):
    config = copy.deepcopy(DEFAULTS)
    config["sla"].update(sla)
    return _build(config)


def test_overrides_match_fields_and_inherit_the_rest_from_the_priority():
    policy, problems = policy_with(overrides=[{"type": "change", "resolution": "5d"},
                                              {"group": "security", "priority": ["high"], "calendar": "always",
                                               "response": "30m"}])
    assert problems == []
    change = policy.target_for({"type": "change", "priority": "high"})
    assert (change.calendar.name, change.texts) == ("office", {"response": "1h", "resolution": "5d"})
    assert change.seconds["resolution"] == 5 * 9 * 3600  # five working days of 9 hours
    sec = policy.target_for({"group": "security", "priority": "high"})
    assert (sec.calendar.name, sec.seconds["response"], sec.seconds["resolution"]) == ("always", 1800, 4 * 3600)
    assert policy.target_for({"group": "security", "priority": "low"}).name == "low"
    assert policy.target_for({"priority": "informational"}) is None


def test_at_risk_threshold_forms():
    assert parse_percent("80%") == 0.8 and parse_percent(0.75) == 0.75 and parse_percent(90) == 0.9
    assert policy_with(at_risk="70%")[0].at_risk == 0.7


def test_every_mistake_is_reported_with_its_key_path():
    _, problems = policy_with(high={"calendar": "ofice", "response": "1h"}, medium={"response": "soon"},
                              urgent={"response": "1h"}, at_risk="lots")
    found = dict(problems)
    assert "unknown calendar 'ofice'" in found[("sla", "high", "calendar")]
    assert "not a duration" in found[("sla", "medium", "response")]
    assert "'urgent' is not a priority" in found[("sla", "urgent")]
    assert "must be a share" in found[("sla", "at_risk")]
