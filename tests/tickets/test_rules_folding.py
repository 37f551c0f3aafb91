"""Classification rules fold accents and case in every language (deskctl.tickets.rules)."""

from __future__ import annotations

import pytest

from deskctl.tickets import rules


def fires(match: dict, title: str, **fields) -> bool:
    return rules.rule_matches(match, {"title": title, **fields})


@pytest.mark.parametrize(("keyword", "title"), [
    ("functioneaza imprimanta", "Nu funcționează imprimanta"),  # Romanian, comma below
    ("funcționează imprimanta", "Nu functioneaza imprimanta"),  # ...and the other way round
    ("funcționează", "NU FUNCŢIONEAZĂ nimic"),  # t with cedilla (U+0163) = t with comma (U+021B)
    ("imprimantă", "Imprimanta de la etajul 3"),
    ("è lenta", "La rete E LENTA da stamattina"),  # Italian
    ("e lenta", "La rete è lenta"),
    ("принтер", "ПРИНТЕР не печатает"),  # Russian case
    ("ещё", "Еще одна ошибка"),  # ё folds to е
    ("ﬁle share", "File share unreachable"),  # compatibility forms (the fi ligature)
])
def test_a_text_rule_matches_whatever_the_accents_and_case(keyword, title):
    assert fires({"text": keyword}, title)


@pytest.mark.parametrize(("keyword", "title"), [
    ("imprimanta", "Nu funcționează scanerul"),
    ("vpn", "openvpn client crashed"),  # still the start of a word
    ("lento", "La rete è lenta"),  # folding strips accents, it does not make letters equal
])
def test_folding_does_not_make_other_words_match(keyword, title):
    assert not fires({"text": keyword}, title)


def test_a_regex_rule_folds_accents_on_both_sides_and_keeps_its_classes():
    outage = {"text_regex": r"\bnu func[tț]ioneaz[aă]\b"}
    assert fires(outage, "Nu funcționează VPN-ul") and fires(outage, "NU FUNCTIONEAZA")
    # `\S` and `\B` keep their meaning: the pattern is not case-folded
    assert fires({"text_regex": r"err\S+\s\d+"}, "Erreur 42 à l'écran")
    assert not fires({"text_regex": r"ERR\s"}, "errore")


def test_requester_and_system_patterns_fold_accents_too():
    assert fires({"requester": "jose"}, "x", requester={"name": "José Núñez", "email": ""})
    assert fires({"system": {"os": "windows"}}, "x", system={"os": "WINDOWS 11 Éducation"})


def test_classify_applies_the_matching_rule_to_a_romanian_title():
    printer = {"name": "printer", "match": {"text": ["printer", "imprimantă"]}, "set": {"category": "hardware-fault"}}
    sets, fired = rules.classify([printer], {"title": "Nu funcționează imprimanta", "description": ""})
    assert fired == ["printer"] and sets == {"category": "hardware-fault"}
