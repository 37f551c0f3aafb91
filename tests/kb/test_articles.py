"""`kb show`, `kb list`, `kb flows`, `kb new` and `kb stats`."""

from __future__ import annotations

from tests.kb.conftest import create_ticket


def test_show_prints_the_article_with_links_named(drun):
    result = drun("kb", "show", "KB-printer-offline")
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == 'Printer shows "Offline"'
    assert "KB-printer-offline · hardware-fault · en" in lines[1]
    assert "also in: ro KB-imprimanta-offline, ru KB-printer-otklyuchen, it KB-stampante-offline" in result.stdout
    assert "Print queue is stuck and documents do not print [KB-print-queue-stuck]" in result.stdout
    assert "SYMPTOMS" in result.stdout and "[[" not in result.stdout


def test_show_json_and_case_insensitive_id(drun):
    data = drun("kb", "show", "kb-STAMPANTE-offline", "--json").json()
    assert data["id"] == "KB-stampante-offline" and data["language"] == "it"
    assert data["translation_of"] == "KB-printer-offline"
    assert "KB-carta-inceppata" in data["links"]
    assert data["path"] == "kb/articles/KB-stampante-offline.md"
    assert {t["id"] for t in data["translations"]} == {"KB-printer-offline", "KB-printer-otklyuchen", "KB-imprimanta-offline"}


def test_show_unknown_id_suggests_close_ones(drun):
    result = drun("kb", "show", "KB-printer-ofline")
    assert result.code == 2
    assert "did you mean KB-printer-offline" in result.stderr and result.stderr.count("\n") == 1


def test_list_and_filters(drun):
    everything = drun("kb", "list", "--json").json()
    assert len(everything) == 54 and all("len" not in row for row in everything)
    italian = drun("kb", "list", "--lang", "it", "--json").json()
    assert {row["id"] for row in italian} == {"KB-carta-inceppata", "KB-password-dimenticata", "KB-stampante-offline"}
    tagged = drun("kb", "list", "--tag", "vpn", "--json").json()
    assert [row["id"] for row in tagged] == ["KB-vpn-cannot-connect", "KB-vpn-ne-podklyuchaetsya", "KB-vpn-nu-se-conecteaza"]
    for language in ("ru", "ro"):
        rows = drun("kb", "list", "--lang", language, "--json").json()
        assert len(rows) == 17 and {row["language"] for row in rows} == {language}
    table = drun("kb", "list", "--category", "security")
    assert table.stdout.splitlines()[0].split() == ["ID", "LANG", "CATEGORY", "UPDATED", "TITLE"]


def test_flows_lists_the_shipped_flows(drun):
    rows = {row["id"]: row for row in drun("kb", "flows", "--json").json()}
    assert set(rows) == {"cannot-log-in", "no-network", "printer-not-printing", "stampante-non-stampa",
                         "printer-ne-pechataet", "net-seti", "ne-udaetsya-voiti",
                         "imprimanta-nu-printeaza", "fara-retea", "nu-se-poate-autentifica"}
    assert rows["no-network"]["questions"] == 2 and rows["stampante-non-stampa"]["language"] == "it"
    assert {rows[f]["language"] for f in ("printer-ne-pechataet", "net-seti", "ne-udaetsya-voiti")} == {"ru"}
    assert {rows[f]["language"] for f in ("imprimanta-nu-printeaza", "fara-retea", "nu-se-poate-autentifica")} == {"ro"}
    assert rows["printer-ne-pechataet"]["questions"] == rows["printer-not-printing"]["questions"] == 8


def test_new_scaffolds_a_valid_article_that_search_finds(krun, kbdesk):
    result = krun("kb", "new", "--title", "Teams camera: not working", "--tags", "teams,camera",
                  "--category", "software-fault", "--sops", "collect-logs", env={"DESKCTL_NOW": "2026-12-01T10:00:00Z"})
    assert result.code == 0, result
    assert result.stdout.strip() == "kb/articles/KB-teams-camera-not-working.md"
    text = (kbdesk / result.stdout.strip()).read_text(encoding="utf-8")
    assert 'title: "Teams camera: not working"' in text and "updated: 2026-12-01" in text
    assert krun("kb", "lint").code == 0
    assert krun("kb", "search", "camera", "--json").json()["results"][0]["id"] == "KB-teams-camera-not-working"


def test_new_italian_translation(krun, kbdesk):
    result = krun("kb", "new", "--title", "Il disco è pieno", "--lang", "it", "--translation-of", "kb-disk-full", "--json")
    assert result.code == 0, result
    data = result.json()
    text = (kbdesk / data["path"]).read_text(encoding="utf-8")
    assert data["id"] == "KB-il-disco-e-pieno"
    assert "translation_of: KB-disk-full" in text and "## Sintomi" in text
    assert krun("kb", "lint").code == 0


def test_new_refuses_bad_input_without_writing(krun, kbdesk):
    before = sorted(p.name for p in (kbdesk / "kb" / "articles").iterdir())
    for args in (
        ("--title", "Disk full", "--id", "KB-disk-full"),
        ("--title", "X", "--category", "nope"),
        ("--title", "X", "--lang", "xx"),
        ("--title", "X", "--sops", "no-such-sop"),
        ("--title", "X", "--id", "bad id"),
        (),  # no title and no terminal
    ):
        result = krun("kb", "new", *args)
        assert result.code == 2, (args, result)
        assert result.stderr.count("\n") == 1
    assert sorted(p.name for p in (kbdesk / "kb" / "articles").iterdir()) == before


def test_stats_counts_tickets_resolved_with_an_article(krun):
    def before_resolving(*args, **kwargs):  # "now" never goes back before a ticket's last event
        return krun(*args, env={"DESKCTL_NOW": "2026-11-20T09:00:00Z"}, **kwargs)

    first, second, third = (create_ticket(before_resolving) for _ in range(3))
    for ticket, kb in ((first, "KB-network-cable"), (second, "KB-network-cable")):
        result = krun("ticket", "resolve", ticket, "--resolution", "replugged the cable", "--kb", kb, "--category", "network",
                      env={"DESKCTL_NOW": f"2026-11-2{4 if ticket == first else 5}T09:00:00Z"})
        assert result.code == 0, result
    krun("ticket", "resolve", third, "--resolution", "rebooted", "--category", "network", env={"DESKCTL_NOW": "2026-11-26T09:00:00Z"})
    data = krun("kb", "stats", "--json").json()
    top = data["rows"][0]
    assert top["id"] == "KB-network-cable" and top["resolved"] == 2
    assert top["last_useful"].startswith("2026-11-25T09:00") and sorted(top["tickets"]) == sorted([first, second])
    assert data["tickets_resolved"] == 3 and data["tickets_resolved_with_kb"] == 2
    assert data["articles_used"] == 1 and data["articles"] == 54
    assert any(r["id"] == "flow:no-network" and r["resolved"] == 0 for r in data["rows"])
    since = krun("kb", "stats", "--since", "2026-11-25", "--json").json()
    assert since["rows"][0]["resolved"] == 1 and since["tickets_resolved"] == 2
    human = krun("kb", "stats")
    assert human.stdout.splitlines()[1].split()[:3] == ["KB-network-cable", "article", "2"]
    assert "2 of 3 resolved ticket(s) used the KB (67%)" in human.stderr
    assert krun("kb", "stats", "--since", "last tuesday").code == 2


def test_stats_credits_a_flow_walked_on_a_ticket_once_the_ticket_is_resolved(krun):
    walked, other = create_ticket(krun), create_ticket(krun)
    # the walk ends at an article, not a resolution: the flow was still what the operator used
    assert krun("kb", "guide", "no-network", "--answers", "no", "--ticket", walked).code == 0
    assert krun("kb", "guide", "no-network", "--answers", "no", "--ticket", walked).code == 0  # once
    for ticket in (walked, other):
        assert krun("ticket", "resolve", ticket, "--resolution", "cable replugged", "--category", "network").code == 0
    flow = next(r for r in krun("kb", "stats", "--json").json()["rows"] if r["id"] == "flow:no-network")
    assert flow["resolved"] == 1 and flow["tickets"] == [walked]
