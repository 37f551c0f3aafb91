"""Snippets: the line of an article that best matches a query, with the matching words'
positions, so the operator sees why the article came up."""

from __future__ import annotations

import re
from pathlib import Path

from deskctl.errors import BadInput
from deskctl.kb import text
from deskctl.kb.articles import LINK_RE, parse_header, split_front_matter

SNIPPET_CHARS = 160
_LEAD_RE = re.compile(r"^\s*(?:#+\s*|[-*+]\s+|\d+[.)]\s+|>\s*)*")
_EMPHASIS_RE = re.compile(r"\*\*|__|`")


def clean_line(line: str) -> tuple[str, list[tuple[int, int]]]:
    """A Markdown line as plain text (list markers, headings, emphasis and link brackets
    removed) and the spans of the article ids that were links: words there do not count as
    matches, or every "Related" list would look relevant."""
    line = _EMPHASIS_RE.sub("", _LEAD_RE.sub("", line)).strip()
    out: list[str] = []
    links: list[tuple[int, int]] = []
    size = 0
    last = 0
    for match in LINK_RE.finditer(line):
        out.append(line[last : match.start()])
        size += match.start() - last
        label = (match.group(2) or match.group(1)).strip()
        out.append(label)
        if not match.group(2):
            links.append((size, size + len(label)))
        size += len(label)
        last = match.end()
    out.append(line[last:])
    return "".join(out), links


def match_spans(
    line: str, wanted: set[str], language: str, excluded: list[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Character spans of the words of `line` whose stem is in `wanted`."""
    if not wanted:
        return []
    stem = text.stemmer(language)
    # Snowball stemmers only rewrite the end of a word: a word can only stem to a wanted term
    # if it starts like one, so most words skip the (slow, pure-Python) stemmer.
    heads = {term[:3] for term in wanted}
    short = tuple(h for h in heads if len(h) < 3)
    # an ASCII line folds to its lower case with the same offsets: fold it once
    folded_line = line.lower() if line.isascii() else None
    spans = []
    for match in text.WORD_RE.finditer(line):
        start, end = match.span()
        folded = folded_line[start:end] if folded_line is not None else text.fold(match.group())
        if folded[:3] not in heads and not (short and folded.startswith(short)):
            continue
        if excluded and any(s <= start < e for s, e in excluded):
            continue
        if folded in wanted or stem(folded) in wanted:
            spans.append((start, end))
    return spans


def best_snippet(body: str, wanted: set[str], language: str) -> tuple[str, list[tuple[int, int]]]:
    """The stretch of the body with the most distinct query terms, cut to SNIPPET_CHARS;
    the first paragraph when nothing matches."""
    stem = text.stemmer(language)
    best: tuple[tuple, str, list[tuple[int, int]]] | None = None
    fallback = ""
    for number, raw in enumerate(body.splitlines()):
        if not raw.strip():
            continue
        heading = raw.lstrip().startswith("#")
        line, links = clean_line(raw)
        if not line:
            continue
        if not fallback and not heading and len(links) == 0:
            fallback = line
        spans = match_spans(line, wanted, language, links)
        if not spans:
            continue
        start, end = _best_window(line, spans, stem)
        inside = [span for span in spans if span[0] >= start and span[1] <= end]
        distinct = len({stem(text.fold(line[s:e])) for s, e in inside})
        rank = (distinct, not heading, len(inside), -number)
        if best is None or rank > best[0]:
            best = (rank, line, spans)
    if best is None:
        return _cut(fallback, [], _best_window(fallback, [], stem))
    _, line, spans = best
    return _cut(line, spans, _best_window(line, spans, stem))


def _best_window(line: str, spans: list[tuple[int, int]], stem) -> tuple[int, int]:
    """Start and end of the SNIPPET_CHARS window holding the most distinct matches."""
    if len(line) <= SNIPPET_CHARS:
        return 0, len(line)
    best = (0, 0)
    space = line.rfind(" ", SNIPPET_CHARS // 2, SNIPPET_CHARS)
    window = (0, space if space > 0 else SNIPPET_CHARS)
    for first, _ in spans:
        start = max(0, first - SNIPPET_CHARS // 4)
        if start:
            space = line.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 20 else start
        end = min(len(line), start + SNIPPET_CHARS)
        if end < len(line):
            space = line.rfind(" ", start + SNIPPET_CHARS // 2, end)
            end = space if space > 0 else end
        inside = [(s, e) for s, e in spans if s >= start and e <= end]
        rank = (len({stem(text.fold(line[s:e])) for s, e in inside}), len(inside))
        if rank > best:
            best, window = rank, (start, end)
    return window


def _cut(line: str, spans: list[tuple[int, int]], window: tuple[int, int]) -> tuple[str, list[tuple[int, int]]]:
    start, end = window
    prefix = "…" if start else ""
    suffix = "…" if end < len(line) else ""
    shift = len(prefix) - start
    kept = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return prefix + line[start:end] + suffix, kept


def add_snippets(desk, hits, query: str) -> None:
    """Fill in snippet and highlights for each hit (reads only these articles)."""
    for hit in hits:
        language = hit.doc["language"]
        wanted = set(text.query_terms(query, language))
        hit.title_highlights = match_spans(hit.doc["title"], wanted, language)
        path = Path(desk.path) / hit.doc["path"]
        try:
            raw = path.read_text(encoding="utf-8")
            header, body, _ = split_front_matter(raw.lstrip("\ufeff"), hit.doc["path"])
            meta = parse_header(header, hit.doc["path"])
        except (OSError, UnicodeDecodeError, BadInput):
            continue
        # category and tags are not in the search columns: the file is open anyway
        hit.doc["category"] = str(meta.get("category") or "other")
        tags = meta.get("tags")
        hit.doc["tags"] = [str(t) for t in tags] if isinstance(tags, list) else []
        hit.snippet, hit.highlights = best_snippet(body, wanted, language)
