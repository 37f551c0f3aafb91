"""Classification rules, in-process: what fires, what wins, how words match."""

from __future__ import annotations

from deskctl.tickets.rules import classify, rule_matches

RULES = [
    {"name": "printer", "match": {"text": ["printer", "toner"]},
     "set": {"category": "hardware-fault", "group": "desktop", "tags": ["printer"]}},
    {"name": "vip", "match": {"requester": ["@board.example.com"]}, "set": {"priority": "high", "tags": ["vip"]}},
    {"name": "catch-all-hardware", "match": {"text": ["jam"]}, "set": {"category": "other", "tags": ["printer", "jam"]}},
]


def test_the_first_rule_that_sets_a_field_wins_and_tags_accumulate():
    fields = {"title": "Printer jam on floor 3", "description": "", "requester": {"email": "ceo@board.example.com"}}
    result, fired = classify(RULES, fields)
    assert fired == ["printer", "vip", "catch-all-hardware"]
    assert result == {"category": "hardware-fault", "group": "desktop", "priority": "high",
                      "tags": ["printer", "vip", "jam"]}


def test_words_match_whole_words_in_title_or_description():
    assert rule_matches({"text": ["jam"]}, {"title": "paper jam", "description": ""})
    assert not rule_matches({"text": ["jam"]}, {"title": "pyjamas party", "description": ""})
    assert rule_matches({"text": ["toner"]}, {"title": "help", "description": "the TONER is empty"})


def test_no_rule_fires_on_unrelated_text():
    result, fired = classify(RULES, {"title": "VPN drops", "description": "", "requester": {}})
    assert (result, fired) == ({}, [])


def test_a_broken_rule_entry_is_skipped_not_fatal():
    result, fired = classify([None, "text", {"name": "x", "match": {"text": ["vpn"]}, "set": {"group": "network"}}],
                             {"title": "vpn down", "description": ""})
    assert fired == ["x"] and result == {"group": "network"}
