"""Articles, search hits and flow outcomes as text for a terminal (pure functions: the
command prints what they return). Colour only on a terminal and never with NO_COLOR.

An article's text is made `visible` (deskctl.output) before any colour is added: the command
prints these lines with `output.echo(..., styled=True)`, which keeps colour sequences, so a
sequence inside an article must already be shown as text, not obeyed."""

from __future__ import annotations

import os
import re
import sys

from deskctl.kb.articles import LINK_RE, Article
from deskctl.output import visible

BOLD, DIM, YELLOW, RESET = "\x1b[1m", "\x1b[2m", "\x1b[1;33m", "\x1b[0m"
_LIST_RE = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")
_STRONG_RE = re.compile(r"\*\*(.+?)\*\*")


def use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def wrap_width() -> int | None:
    """Wrap to the terminal (phones are narrow); never wrap what goes to a file or a pipe."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return max(40, min(shutil.get_terminal_size((100, 24)).columns, 110))


def mark(text: str, spans: list[tuple[int, int]] | list[list[int]], color: bool) -> str:
    """`text` with the spans highlighted: bold yellow on a terminal, **like this** elsewhere."""
    out, last = [], 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < last:
            continue
        out.append(visible(text[last:start]))
        word = visible(text[start:end])
        out.append(f"{YELLOW}{word}{RESET}" if color else f"**{word}**")
        last = end
    out.append(visible(text[last:]))
    return "".join(out)


def _wrap(line: str, width: int | None) -> list[str]:
    if width is None or len(line) <= width:
        return [line]
    import textwrap

    prefix = _LIST_RE.match(line)
    indent = " " * len(prefix.group(1)) if prefix else re.match(r"^\s*", line).group(0)
    return textwrap.wrap(line, width=width, subsequent_indent=indent, break_on_hyphens=False) or [line]


def article_text(article: Article, titles: dict[str, str], translations: list[dict], color: bool,
                 width: int | None = None) -> list[str]:
    """The article for reading on a terminal: a header, then the body with links named."""
    bold = (lambda s: f"{BOLD}{s}{RESET}") if color else (lambda s: s)
    dim = (lambda s: f"{DIM}{s}{RESET}") if color else (lambda s: s)
    lines = [bold(visible(article.title))]
    facts = [article.id, article.category, article.language]
    if article.updated:
        facts.append(f"updated {article.updated}")
    lines.append(dim(visible(" · ".join(map(str, facts)))))
    if article.tags:
        lines.append(dim(visible("tags: " + ", ".join(article.tags))))
    if article.sops:
        lines.append(dim(visible("SOPs: " + ", ".join(article.sops) + "  (deskctl sop run NAME)")))
    if translations:
        lines.append(dim(visible("also in: " + ", ".join(f"{t['language']} {t['id']}" for t in translations))))

    def link(match: re.Match) -> str:
        target = match.group(1).strip()
        label = match.group(2) or visible(titles.get(target.casefold()) or "")
        return f"{label} [{target}]" if label else f"[{target}]"

    body = visible(article.body.strip("\n")).splitlines()
    lines.append("")
    for raw in body:
        line = LINK_RE.sub(link, raw.rstrip())
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            lines.append(bold(heading.upper()) if line.startswith("## ") or line.startswith("# ") else bold(heading))
            continue
        wrapped = _wrap(line, width)
        for part in wrapped:
            lines.append(_STRONG_RE.sub(lambda m: bold(m.group(1)), part) if color else part)
    return lines
