"""`deskctl kb lint` and `config check`: articles and flows, every problem as file:line."""

from __future__ import annotations

import re
from collections import Counter

BROKEN_FLOW = """\
id: broken
title: A broken flow
start: first
nodes:
  first:
    ask: Is it plugged in?
    answers: {yes: second, no: fix}
  second:
    ask: Does it work now?
    answers: {yes: first, no: run}
  fix:
    article: KB-network-cable
  run:
    sop: no-such-sop
"""


def lines_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if not line.startswith("deskctl:")]


def test_shipped_kb_is_clean(krun):
    result = krun("kb", "lint")
    assert result.code == 0, result
    assert "OK" in result.stderr
    assert krun("kb", "lint", "--json").json() == {"ok": True, "problems": []}
    articles = krun("kb", "list", "--json").json()
    assert len(articles) == 54
    assert Counter(a["language"] for a in articles) == {"en": 17, "ru": 17, "ro": 17, "it": 3}
    assert len(krun("kb", "flows", "--json").json()) == 10


def test_every_english_starter_article_is_translated_into_russian_and_romanian(krun, kbdesk):
    articles = {a["id"]: a for a in krun("kb", "list", "--json").json()}
    english = {i for i, a in articles.items() if a["language"] == "en"}
    for language in ("ru", "ro"):
        translations = {a["translation_of"]: a for a in articles.values() if a["language"] == language}
        assert set(translations) == english, language
        for original, article in translations.items():
            source = articles[original]
            assert (article["category"], article["sops"]) == (source["category"], source["sops"]), article["id"]
            body = (kbdesk / article["path"]).read_text(encoding="utf-8")
            # links go to articles in the same language, apart from the one to the original
            for target in set(re.findall(r"\[\[(KB-[^]|]+)", body)) - {original}:
                assert articles[target]["language"] == language, (article["id"], target)
    romanian = "".join((kbdesk / a["path"]).read_text(encoding="utf-8") for a in articles.values() if a["language"] == "ro")
    assert "ș" in romanian and "ț" in romanian and not set("şţŞŢ") & set(romanian)  # comma below, never cedilla


FLOW_TRANSLATIONS = {"printer-not-printing": ["printer-ne-pechataet", "imprimanta-nu-printeaza"],
                     "no-network": ["net-seti", "fara-retea"],
                     "cannot-log-in": ["ne-udaetsya-voiti", "nu-se-poate-autentifica"]}


def _shape(desk, flow_id: str, articles: dict) -> tuple[str, list]:
    """The flow as a tree of node kinds from its start, answers in order, articles and
    SOPs named by the English article they translate."""
    import yaml

    flow = yaml.safe_load((desk / "kb" / "flows" / f"{flow_id}.yaml").read_text(encoding="utf-8"))
    nodes = flow["nodes"]

    def walk(node_id):
        node = nodes[node_id]
        if "answers" in node:
            return ("ask", [(str(label).lower() if isinstance(label, bool) or label in ("yes", "no") else "choice", walk(t))
                            for label, t in node["answers"].items()])
        if "article" in node:
            article = articles[node["article"]]
            return ("article", article["translation_of"] or article["id"])
        if "sop" in node:
            return ("sop", node["sop"], sorted(node["params"].items()))
        if "escalate" in node:
            return ("escalate", node["escalate"]["group"])
        return ("resolve",)

    return flow["language"], walk(flow["start"])


def test_russian_and_romanian_flows_keep_the_english_structure(krun, kbdesk):
    articles = {a["id"]: a for a in krun("kb", "list", "--json").json()}
    for original, translations in FLOW_TRANSLATIONS.items():
        language, shape = _shape(kbdesk, original, articles)
        assert language == "en"
        for flow_id, expected_language in zip(translations, ("ru", "ro"), strict=True):
            language, translated = _shape(kbdesk, flow_id, articles)
            assert (flow_id, language, translated) == (flow_id, expected_language, shape)
            text = (kbdesk / "kb" / "flows" / f"{flow_id}.yaml").read_text(encoding="utf-8")
            for target in re.findall(r"article:\s*(KB-\S+)", text):
                assert articles[target]["language"] == expected_language, (flow_id, target)


def test_cycle_and_missing_sop_are_reported_with_file_and_line(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "broken.yaml").write_text(BROKEN_FLOW, encoding="utf-8")
    result = krun("kb", "lint")
    assert result.code == 2, result
    problems = lines_of(result)
    cycle = [p for p in problems if "cycle" in p]
    missing = [p for p in problems if "no-such-sop" in p]
    assert len(cycle) == 1 and cycle[0].startswith("kb/flows/broken.yaml:10: cycle: first -> second -> first")
    assert len(missing) == 1 and missing[0].startswith("kb/flows/broken.yaml:14: SOP 'no-such-sop'")
    assert "Traceback" not in result.stderr
    data = krun("kb", "lint", "--json")
    assert data.code == 2 and not data.json()["ok"]
    assert set(data.json()["problems"]) == set(problems)


def test_config_check_runs_the_kb_lint(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "broken.yaml").write_text(BROKEN_FLOW, encoding="utf-8")
    result = krun("config", "check")
    assert result.code == 2
    assert "kb/flows/broken.yaml:10: cycle" in result.stderr
    assert "kb/flows/broken.yaml:14: SOP 'no-such-sop'" in result.stderr


def test_dead_ends_unreachable_nodes_and_bad_references(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "odd.yaml").write_text("""\
id: odd
title: Odd flow
start: q
nodes:
  q:
    ask: Which one?
    answers: {left: nowhere, right: gone, middle: esc}
  gone:
    article: KB-does-not-exist
  esc:
    escalate: {group: wizards, reason: no idea}
  orphan:
    resolve: never reached
""", encoding="utf-8")
    problems = lines_of(krun("kb", "lint"))
    assert any(re.match(r"kb/flows/odd.yaml:7: answer 'left' of node 'q' leads nowhere: 'nowhere' is not a node", p) for p in problems)
    assert any(p.startswith("kb/flows/odd.yaml:9: article 'KB-does-not-exist'") for p in problems)
    assert any(p.startswith("kb/flows/odd.yaml:11: group 'wizards'") for p in problems)
    assert any(p.startswith("kb/flows/odd.yaml:12: node 'orphan' is unreachable") for p in problems)


def test_structure_problems(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "shape.yaml").write_text("""\
id: other-name
start: missing
nodes:
  a:
    ask: Question?
  b:
    article: KB-network-cable
    sop: network-diagnostics
  c: just text
""", encoding="utf-8")
    problems = lines_of(krun("kb", "lint"))
    expected = [
        "kb/flows/shape.yaml:1: id 'other-name' differs from the file name",
        "kb/flows/shape.yaml:1: a flow needs a title",
        "kb/flows/shape.yaml:2: start 'missing' is not a node",
        "kb/flows/shape.yaml:4: question 'a' needs answers:",
        "kb/flows/shape.yaml:8: node 'b' mixes article and sop",
        "kb/flows/shape.yaml:9: node 'c' must be a mapping",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_yaml_syntax_error_names_the_line(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "bad.yaml").write_text("id: bad\nnodes:\n  a: {ask: x\n", encoding="utf-8")
    result = krun("kb", "lint")
    assert result.code == 2
    assert any(p.startswith("kb/flows/bad.yaml:") and "invalid YAML" in p for p in lines_of(result))


def test_article_front_matter_and_links(krun, kbdesk):
    folder = kbdesk / "kb" / "articles"
    (folder / "KB-new.md").write_text("""\
---
id: KB-other
title: A new article
tags: printer
category: gardening
language: xx
sops: [no-such-sop]
updated: yesterday
colour: blue
translation_of: KB-missing
---
See [[KB-nothing-here]] and [[KB-disk-full]].
""", encoding="utf-8")
    problems = [p for p in lines_of(krun("kb", "lint")) if p.startswith("kb/articles/KB-new.md")]
    expected = [
        ":2: id 'KB-other' differs from the file name",
        ":4: tags must be a list",
        ":5: category 'gardening'",
        ":6: language 'xx'",
        ":7: SOP 'no-such-sop' does not exist",
        ":8: updated must be a date",
        ":9: unknown front-matter key 'colour'",
        ":10: translation_of 'KB-missing' is not an article",
        ":12: link [[KB-nothing-here]] points to no article",
    ]
    for part in expected:
        assert any(p.startswith("kb/articles/KB-new.md" + part) for p in problems), (part, problems)
    assert not any("KB-disk-full" in p for p in problems)


def test_missing_front_matter_and_duplicate_ids(krun, kbdesk):
    folder = kbdesk / "kb" / "articles"
    (folder / "KB-plain.md").write_text("# Just text\n", encoding="utf-8")
    sub = folder / "more"
    sub.mkdir()
    (sub / "KB-disk-full.md").write_text((folder / "KB-disk-full.md").read_text(encoding="utf-8"), encoding="utf-8")
    problems = lines_of(krun("kb", "lint"))
    assert any(p.startswith("kb/articles/KB-plain.md:1: missing front matter") for p in problems)
    assert any(p.startswith("kb/articles/more/KB-disk-full.md:2: id 'KB-disk-full' is also used by kb/articles/KB-disk-full.md")
               or p.startswith("kb/articles/KB-disk-full.md:2: id 'KB-disk-full' is also used by kb/articles/more/KB-disk-full.md")
               for p in problems), problems


def test_articles_and_flows_outside_their_folders_are_named_not_ignored(krun, kbdesk):
    (kbdesk / "kb" / "printer-jam.md").write_text("---\nid: KB-jam\ntitle: Paper jam\n---\nOpen tray 2.\n")
    (kbdesk / "kb" / "articles" / "vpn-flow.yaml").write_text("id: vpn\n")
    (kbdesk / "kb" / "README.md").write_text("How we write the KB.\n")  # a folder's readme is fine
    result = krun("kb", "lint")
    assert result.code == 2
    assert "kb/printer-jam.md:1: not read: articles belong in kb/articles/" in result.stdout + result.stderr
    assert "kb/articles/vpn-flow.yaml:1: not read: flows belong in kb/flows/" in result.stdout + result.stderr
    assert "README" not in result.stdout + result.stderr
