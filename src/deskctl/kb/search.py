"""Rank KB articles for a query (BM25F over title, tags and body) and cut snippets.

Title and tag matches weigh more than body matches: an article *about* printers names them
in its title and tags, while many articles mention a printer in passing. Translations of the
same article are folded into one result so a search shows each answer once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from deskctl.errors import BadInput
from deskctl.kb import text
from deskctl.kb.index import Index, StaleIndex, load_index

K1 = 1.2
SNIPPET_CHARS = 160
MAX_QUERY_WORDS = 40
OTHER_LANGUAGE_FACTOR = 0.5  # a ticket description can be long; its first words say the most


@dataclass
class Hit:
    doc: dict[str, Any]
    score: float
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    title_highlights: list[tuple[int, int]] = field(default_factory=list)
    translations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        doc = self.doc
        return {
            "id": doc["id"],
            "title": doc["title"],
            "language": doc["language"],
            "category": doc.get("category", ""),
            "tags": doc.get("tags", []),
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "title_highlights": [list(span) for span in self.title_highlights],
            "path": doc["path"],
            "translations": self.translations,
        }


@dataclass
class SearchResult:
    query: str
    language: str | None
    total: int
    hits: list[Hit]
    skipped: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "language": self.language,
            "total": self.total,
            "results": [hit.to_dict() for hit in self.hits],
        }


def trim_query(query: str) -> str:
    """At most MAX_QUERY_WORDS distinct words (ticket descriptions can be long)."""
    kept = list(dict.fromkeys(text.WORD_RE.findall(query)))
    return " ".join(kept[:MAX_QUERY_WORDS])


def score(index: Index, query: str, languages: list[str]) -> tuple[dict[int, float], dict[str, int]]:
    """Every matching document's BM25F score, and per language how many query words matched."""
    scores: dict[int, float] = {}
    coverage: dict[str, int] = {}
    get = scores.get
    for lang in languages:
        info = index.languages.get(lang)
        if not info:
            continue
        n = info["n"]
        for term in text.query_terms(query, lang):
            postings = index.postings(f"{lang}:{term}")
            df = len(postings) // 2
            if not df:
                continue
            coverage[lang] = coverage.get(lang, 0) + 1
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            scale = idf * (K1 + 1)
            k1 = K1 * 1000  # weights are stored in thousandths
            it = iter(postings)
            for number, weight in zip(it, it, strict=True):
                scores[number] = get(number, 0.0) + scale * weight / (k1 + weight)
    return scores, coverage


def query_language(coverage: dict[str, int], preferred: list[str]) -> str | None:
    """The language the query is most likely written in: the one where most of its words
    occur; ties go to the desk's default language, then to its language list order."""
    if not coverage:
        return None
    order = {lang: i for i, lang in enumerate(preferred)}
    return min(coverage, key=lambda lang: (-coverage[lang], order.get(lang, len(order)), lang))


def _collapse_translations(order: list[int], index: Index, scores: dict[int, float], limit: int) -> tuple[list[Hit], int]:
    """The best-ranked article of each translation group (the others listed on it), the
    first `limit` of them, and how many groups matched."""
    best: dict[str, Hit | None] = {}
    kept: list[Hit] = []
    groups = index.cols["group"]
    for number in order:
        group = groups[number]
        if group in best:
            hit = best[group]
            if hit is not None:
                doc = index.doc(number)
                hit.translations.append({"id": doc["id"], "language": doc["language"], "title": doc["title"]})
            continue
        if len(kept) < limit:
            best[group] = Hit(index.doc(number), scores[number])
            kept.append(best[group])
        else:
            best[group] = None  # counted, not shown
    return kept, len(best)


def _preferred_languages(desk) -> list[str]:
    default = desk.setting("default_language", default="en")
    listed = desk.setting("languages", default=[]) or []
    return [default, *[lang for lang in listed if lang != default]]


def search(
    desk, query: str, *, language: str | None = None, limit: int = 10, collapse: bool = True
) -> SearchResult:
    """The best `limit` articles for `query`, with snippets; `language` limits the search."""
    query = " ".join(query.split())
    if not text.WORD_RE.search(query):
        raise BadInput("nothing to search for", "give one or more words, e.g. deskctl kb search printer offline")
    if limit < 1:
        raise BadInput(f"--limit must be at least 1, not {limit}")
    trimmed = trim_query(query)
    index = load_index(desk)
    languages = [language] if language else sorted(index.languages)
    try:
        scores, coverage = score(index, trimmed, languages)
    except StaleIndex:  # a concurrent rebuild replaced the shards under us
        index = load_index(desk, rebuild=True)
        scores, coverage = score(index, trimmed, languages)
    if not language:
        # "password" is a word in English and Italian: the query's language comes first,
        # other languages stay in the list below it
        spoken = query_language(coverage, _preferred_languages(desk))
        languages_of = index.cols["language"]
        for number in scores:
            if languages_of[number] != spoken:
                scores[number] *= OTHER_LANGUAGE_FACTOR
    # ties keep index order (file paths): stable and cheap
    order = sorted(scores, key=scores.__getitem__, reverse=True)
    if collapse and not language:
        top, total = _collapse_translations(order, index, scores, limit)
    else:
        top, total = [Hit(index.doc(number), scores[number]) for number in order[:limit]], len(order)
    from deskctl.kb.snippets import add_snippets

    add_snippets(desk, top, trimmed)
    return SearchResult(query, language, total, top, index.skipped)
