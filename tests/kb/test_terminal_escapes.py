"""An article's text reaches the terminal shown, never obeyed, with and without colour."""

from __future__ import annotations

from pathlib import Path

from deskctl import output
from deskctl.kb import render
from deskctl.kb.articles import Article

RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
ARTICLE = """\
---
id: KB-spoof
title: "Spoofed \\e]0;pwned\\a printer \\e[2J \\x9b31m \\u202eevil"
tags: [printer]
category: hardware-fault
language: en
updated: 2026-11-23
---

## Symptoms

The printer \\e[1A\\e[2K prints nothing. \\x9b2J
"""


def raw_controls(text: str) -> set[str]:
    return {c for c in text if c in RAW and c != "\n"}


def test_article_text_is_shown_not_obeyed(drun, desk):
    # a double-quoted YAML title may hold escapes; so may the body, written raw
    text = ARTICLE.replace("The printer \\e[1A\\e[2K prints nothing. \\x9b2J",
                           "The printer \x1b[1A\x1b[2K prints nothing. \x9b2J")
    (desk / "kb" / "articles" / "KB-spoof.md").write_text(text, encoding="utf-8")
    for args in (("kb", "show", "KB-spoof"), ("kb", "list"), ("kb", "search", "printer")):
        result = drun(*args)
        assert result.code == 0, result
        assert raw_controls(result.stdout + result.stderr) == set(), (args, result)
    shown = drun("kb", "show", "KB-spoof").stdout
    assert "Spoofed ^[]0;pwned^G printer ^[[2J <U+009B>31m <U+202E>evil" in shown
    assert "The printer ^[[1A^[[2K prints nothing. <U+009B>2J" in shown
    assert drun("kb", "show", "KB-spoof", "--json").json()["title"] == "Spoofed \x1b]0;pwned\x07 printer \x1b[2J \x9b31m \u202eevil"


def test_colour_is_kept_and_only_colour(capsys):
    article = Article(id="KB-x", title="T \x1b]0;pwned\x07", language="en", category="c", tags=["\x1b[8m"],
                      sops=[], updated="", translation_of=None, path=Path("x.md"), body="## H \x9b\n**bold \x1b[2J**",
                      body_line=1)
    for line in render.article_text(article, {}, [], color=True):
        output.echo(line, styled=True)
    output.echo(render.mark("find \x1b[2J here", [(0, 4)], True), styled=True)
    out = capsys.readouterr().out
    assert f"{render.BOLD}T ^[]0;pwned^G{render.RESET}" in out and "tags: ^[[8m" in out
    assert f"{render.BOLD}H <U+009B>{render.RESET}" in out and f"{render.BOLD}bold ^[[2J{render.RESET}" in out
    assert f"{render.YELLOW}find{render.RESET} ^[[2J here" in out
    leftover = out
    for sequence in (render.BOLD, render.DIM, render.YELLOW, render.RESET):
        leftover = leftover.replace(sequence, "")
    assert raw_controls(leftover) == set()
