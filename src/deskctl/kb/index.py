"""The search index of the KB articles, cached on disk in the desk's data folder.

Layout (`<data_dir>/kb-index/`): `current.json` holds the fingerprint of the article files
(path, mtime, size of each), the document table and field lengths, and names a generation
folder `g-*/` whose `p-NN.json` shards hold the postings. A search reads `current.json` and
only the shards its terms hash to, so its cost grows slowly with the size of the KB.

Any change to an article file changes the fingerprint; the next reader rebuilds. A new
generation is written beside the old one and `current.json` is replaced atomically, so a
concurrent reader never sees half an index.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import zlib
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput
from deskctl.kb import text
from deskctl.kb.articles import LINK_RE, articles_dir, default_language, read_article, scan_files
from deskctl.util.progress import progress

INDEX_VERSION = 7
SHARDS = 128
INDEX_DIR = "kb-index"

_MEMO: dict[str, Index] = {}  # one index per desk per process


def _orjson():
    import orjson

    return orjson


def shard_of(key: str) -> int:
    # crc32, not hash(): the shard must be the same in every process
    return zlib.crc32(key.encode("utf-8")) % SHARDS


def plain_body(body: str) -> str:
    """The body as words to index: `[[links]]` removed (an id in a "Related" list says
    nothing about this article); Markdown markup is not a word, so tokenising drops it."""
    return LINK_RE.sub(" ", body) if "[[" in body else body


COLUMNS = ("id", "title", "language", "group", "path")


class Index:
    """Documents and postings.

    `cols` holds what a search needs per document (id, title, language, group, path) as
    parallel lists, which parse several times faster than one mapping per document; the full
    document table (`docs`: tags, category, ...) is read only by the commands that list it.
    `postings(key)` is a flat list [doc, weight, doc, weight, ...] for the key
    `language:stem`, weight being the document's BM25F weighted term frequency in thousandths.
    """

    def __init__(self, meta: dict[str, Any], folder: Path | None, shards: list[dict] | None = None,
                 docs: list[dict[str, Any]] | None = None):
        self.meta = meta
        self.cols: dict[str, list] = meta["cols"]
        self.languages: dict[str, dict[str, Any]] = meta["languages"]
        self.skipped: list[str] = meta.get("skipped", [])
        self._folder = folder
        self._shards: dict[int, dict[str, list[int]]] = dict(enumerate(shards)) if shards else {}
        self._docs = docs
        self._by_id: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.cols["id"])

    @property
    def docs(self) -> list[dict[str, Any]]:
        if self._docs is None:
            self._docs = self._read("docs.json") if self._folder is not None else []
        return self._docs

    def doc(self, number: int) -> dict[str, Any]:
        """The search columns of one document as a mapping."""
        return {name: self.cols[name][number] for name in COLUMNS}

    def postings(self, key: str) -> list[int]:
        number = shard_of(key)
        shard = self._shards.get(number)
        if shard is None:
            shard = self._read(f"p-{number:03d}.json") if self.meta["shards"][number] else {}
            self._shards[number] = shard
        return shard.get(key, [])

    def _read(self, name: str) -> Any:
        if self._folder is None:
            raise StaleIndex(name)
        try:
            return _orjson().loads((self._folder / name).read_bytes())
        except (OSError, ValueError):
            raise StaleIndex(str(self._folder / name)) from None

    def find(self, article_id: str) -> dict[str, Any] | None:
        """The search columns of the article with this id (case-insensitive), or None."""
        if self._by_id is None:
            self._by_id = {}
            for number, doc_id in enumerate(self.cols["id"]):
                self._by_id.setdefault(doc_id.casefold(), number)
        number = self._by_id.get(article_id.strip().casefold())
        return None if number is None else self.doc(number)

    def ids(self) -> list[str]:
        return list(self.cols["id"])


class StaleIndex(Exception):
    """A shard vanished or is unreadable (a concurrent rebuild removed it)."""


def fingerprint(desk) -> str:
    files = scan_files(desk)
    raw = _orjson().dumps([INDEX_VERSION, default_language(desk), files])
    return hashlib.sha1(raw).hexdigest()


# BM25F field weights and length normalisation (title, tags, body): an article *about*
# printers names them in its title and tags, many others mention a printer in passing.
WEIGHTS = (3.0, 2.5, 1.0)
LENGTH_NORM = (0.5, 0.3, 0.75)


def analyze(article) -> dict[str, Any]:
    """The terms of an article's fields as stored per file: body terms as one string with
    their counts in a flat list (parses several times faster than a mapping), title and tag
    terms as small mappings, and the three field lengths."""
    lang = article.language
    title, len_title = text.term_counts(article.title, lang)
    tags, len_tags = text.term_counts(" ".join(article.tags), lang)
    body, len_body = text.term_counts(plain_body(article.body), lang)
    return {
        "title": title,
        "tags": tags,
        "body": " ".join(body),
        "body_tf": list(body.values()),
        "len": [len_title, len_tags, len_body],
    }


def _doc_entry(article, rel: str, lengths: list[int]) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "language": article.language,
        "category": article.category,
        "tags": article.tags,
        "sops": article.sops,
        "updated": article.updated,
        "translation_of": article.translation_of,
        # translations share a group: search shows the best of them once
        "group": (article.translation_of or article.id).casefold(),
        "path": "kb/articles/" + rel,
        "len": lengths,
    }


def build(desk, previous: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict], dict[str, Any]]:
    """Read the articles and build (meta, postings shards, per-file analysis).

    `previous` is the per-file analysis of the last build: files whose mtime and size did not
    change are not read again, so editing one article of thousands is cheap.
    """
    root = articles_dir(desk)
    language = default_language(desk)
    if not previous or previous.get("language") != language or previous.get("version") != INDEX_VERSION:
        previous = {}
    old_files: dict[str, Any] = previous.get("files", {}) if previous else {}
    files: dict[str, Any] = {}
    skipped: list[str] = []
    scanned = scan_files(desk)
    with progress("indexing the knowledge base", len(scanned)) as bar:
        for rel, mtime, size in scanned:
            bar.advance()
            old = old_files.get(rel)
            if old is not None and old["stat"] == [mtime, size]:
                files[rel] = old
                continue
            path = root / rel
            try:
                article = read_article(path, desk.rel(path), language)
            except BadInput as exc:
                files[rel] = {"stat": [mtime, size], "error": str(exc)}
                continue
            analysis = analyze(article)
            files[rel] = {"stat": [mtime, size], "doc": _doc_entry(article, rel, analysis.pop("len")),
                          "terms": analysis}

    docs: list[dict[str, Any]] = []
    analyses: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    totals: dict[str, list[float]] = {}
    for rel, entry in files.items():
        if "error" in entry:
            skipped.append(entry["error"])
            continue
        doc = entry["doc"]
        key = doc["id"].casefold()
        if key in seen:
            skipped.append(f"kb/articles/{rel}:2: id {doc['id']!r} is also used by {seen[key]} (left out)")
            continue
        seen[key] = doc["path"]
        docs.append(doc)
        analyses.append(entry["terms"])
        stats = totals.setdefault(doc["language"], [0, 0, 0, 0])
        stats[0] += 1
        for slot in range(3):
            stats[slot + 1] += doc["len"][slot]
    languages = {
        lang: {"n": n, "avg": [max(t / n, 1.0), max(g / n, 1.0), max(b / n, 1.0)]}
        for lang, (n, t, g, b) in totals.items()
    }

    # The weighted term frequency of BM25F depends only on the document and the term: it is
    # computed here once (in thousandths, as integers parse fastest), so a search only adds
    # up idf-scaled numbers.
    postings: dict[str, list] = {}
    w_title, w_tags, w_body = WEIGHTS
    b_title, b_tags, b_body = LENGTH_NORM
    for number, (doc, terms) in enumerate(zip(docs, analyses, strict=True)):
        lang = doc["language"]
        avg_title, avg_tags, avg_body = languages[lang]["avg"]
        len_title, len_tags, len_body = doc["len"]
        n_title = 1000 * w_title / (1 - b_title + b_title * len_title / avg_title)
        n_tags = 1000 * w_tags / (1 - b_tags + b_tags * len_tags / avg_tags)
        n_body = 1000 * w_body / (1 - b_body + b_body * len_body / avg_body)
        prefix = lang + ":"
        title, tags = terms["title"], terms["tags"]
        weights: dict[str, float] = {}
        for term in title.keys() | tags.keys():
            weights[term] = title.get(term, 0) * n_title + tags.get(term, 0) * n_tags
        body_terms = terms["body"].split(" ") if terms["body"] else []
        extra = weights.pop
        for term, tf in zip(body_terms, terms["body_tf"], strict=True):
            weight = int(tf * n_body + extra(term, 0.0) + 0.5)
            key = prefix + term
            found = postings.get(key)
            if found is None:
                postings[key] = [number, weight]
            else:
                found += (number, weight)
        for term, value in weights.items():  # in the title or tags only
            key = prefix + term
            postings.setdefault(key, []).extend((number, int(value + 0.5)))
    shards: list[dict[str, list]] = [{} for _ in range(SHARDS)]
    for key, values in postings.items():
        shards[shard_of(key)][key] = values
    meta = {
        "version": INDEX_VERSION,
        "cols": {name: [doc[name] for doc in docs] for name in COLUMNS},
        "languages": languages,
        "skipped": skipped,
        "shards": [bool(shard) for shard in shards],
    }
    return meta, shards, {"version": INDEX_VERSION, "language": language, "files": files, "docs": docs}


def index_dir(desk) -> Path:
    return desk.data_dir / INDEX_DIR


def _write(folder: Path, meta: dict[str, Any], shards: list[dict], analysis: dict[str, Any]) -> None:
    """Write a new generation, then point `current.json` at it; keep the previous one for
    readers that are still using it and remove older ones."""
    orjson = _orjson()
    generation = f"g-{time.time_ns():x}-{os.getpid()}"
    target = folder / generation
    tmp = folder / f".current.{os.getpid()}.tmp"
    try:
        target.mkdir(parents=True, exist_ok=True)
        for number, shard in enumerate(shards):
            if shard:
                (target / f"p-{number:03d}.json").write_bytes(orjson.dumps(shard))
        (target / "files.json").write_bytes(orjson.dumps({k: v for k, v in analysis.items() if k != "docs"}))
        (target / "docs.json").write_bytes(orjson.dumps(analysis["docs"]))
        from deskctl.util.fileio import create_new

        with open(create_new(tmp), "wb") as fh:  # a predictable name: never through a planted link
            fh.write(orjson.dumps({**meta, "generation": generation}))
        os.replace(tmp, folder / "current.json")
    except OSError:  # a full disk: a half-written generation must not keep holding the space
        import shutil

        shutil.rmtree(target, ignore_errors=True)
        tmp.unlink(missing_ok=True)
        raise
    old = sorted(
        (p for p in folder.glob("g-*") if p.name != generation),
        key=lambda p: p.stat().st_mtime if p.exists() else 0,
    )
    if old[:-1]:
        import shutil

        for stale in old[:-1]:
            shutil.rmtree(stale, ignore_errors=True)


def _read_current(folder: Path) -> dict[str, Any] | None:
    try:
        meta = _orjson().loads((folder / "current.json").read_bytes())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("version") == INDEX_VERSION else None


def _previous_analysis(folder: Path) -> dict[str, Any] | None:
    """The per-file analysis of the current generation, to rebuild only what changed."""
    meta = _read_current(folder)
    if meta is None:
        return None
    try:
        return _orjson().loads((folder / meta["generation"] / "files.json").read_bytes())
    except (OSError, ValueError, KeyError):
        return None


def load_index(desk, *, rebuild: bool = False) -> Index:
    """The index for the desk's current articles: from the cache when it is fresh, otherwise
    rebuilt and saved (a data folder that cannot be written only costs the cache)."""
    key = str(desk.path)
    print_fp = fingerprint(desk)
    memo = _MEMO.get(key)
    if memo is not None and not rebuild and memo.meta.get("fingerprint") == print_fp:
        return memo
    folder = index_dir(desk)
    meta = None if rebuild else _read_current(folder)
    if meta is not None and meta.get("fingerprint") == print_fp:
        index = Index(meta, folder / meta["generation"])
    else:
        meta, shards, analysis = build(desk, None if rebuild else _previous_analysis(folder))
        meta["fingerprint"] = print_fp
        with contextlib.suppress(OSError):  # a read-only data folder only costs the cache
            _write(folder, meta, shards, analysis)
        index = Index(meta, None, shards, analysis["docs"])
    _MEMO[key] = index
    return index


def documents(desk) -> list[dict[str, Any]]:
    """The full document table (tags, category, updated, ...) of the current index."""
    try:
        return load_index(desk).docs
    except StaleIndex:  # a concurrent rebuild removed the generation we were reading
        return load_index(desk, rebuild=True).docs


def forget(desk) -> None:
    """Drop this process's memo (after writing an article)."""
    _MEMO.pop(str(desk.path), None)
