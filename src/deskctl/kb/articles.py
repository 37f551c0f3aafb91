"""Knowledge-base articles: Markdown files under `kb/articles/` with a YAML front matter.

```
---
id: KB-printer-offline
title: Printer shows "Offline"
tags: [printer, offline]
category: hardware-fault
language: en
sops: [clear-print-queue]
updated: 2026-11-23
translation_of: KB-...      # optional: this article translates another one
---
Markdown body; [[KB-other-id]] links to another article.
```
Reading is lenient (a missing field gets a sensible default so search keeps working);
`deskctl kb lint` is strict about every field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput, NotFound

ARTICLES_DIR = os.path.join("kb", "articles")
LINK_RE = re.compile(r"\[\[([^\[\]\n|]+?)(?:\|([^\[\]\n]+))?\]\]")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
FIELDS = ("id", "title", "tags", "category", "language", "sops", "updated", "translation_of")


@dataclass
class Article:
    id: str
    title: str
    language: str
    category: str
    tags: list[str]
    sops: list[str]
    updated: str
    translation_of: str | None
    path: Path
    body: str
    body_line: int  # 1-based line of the file where the body starts
    meta: dict[str, Any] = field(default_factory=dict)

    def links(self) -> list[tuple[str, int]]:
        """Every `[[ID]]` link in the body with its line in the file."""
        found = []
        for offset, line in enumerate(self.body.splitlines()):
            for match in LINK_RE.finditer(line):
                found.append((match.group(1).strip(), self.body_line + offset))
        return found

    def to_dict(self, desk_path: Path | None = None, *, body: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "language": self.language,
            "category": self.category,
            "tags": self.tags,
            "sops": self.sops,
            "updated": self.updated,
            "translation_of": self.translation_of,
            "path": _rel(self.path, desk_path),
        }
        if body:
            data["body"] = self.body
            data["links"] = list(dict.fromkeys(link for link, _ in self.links()))
        return data


def _rel(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)


def split_front_matter(text: str, label: str) -> tuple[str, str, int]:
    """(header YAML, body, first body line) of an article; BadInput naming file:line if the
    header is missing or not closed."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise BadInput(f"{label}:1: missing front matter", "start the file with a --- line, then id: and title:, then ---")
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() in ("---", "..."):
            return "".join(lines[1 : number - 1]), "".join(lines[number:]), number + 1
    raise BadInput(f"{label}:1: front matter is not closed", "end the header with a --- line")


_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*):(?:[ \t]+(.*?))?[ \t]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"}
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def _plain(value: str) -> bool:
    """True when YAML would read `value` as this very text (a plain scalar)."""
    return bool(value) and (
        value[0] not in _INDICATORS
        and not value[0].isdigit()
        and value[0] not in "+."
        and ": " not in value
        and " #" not in value
        and value.lower() not in _YAML_WORDS
    )


def _simple_header(header: str) -> dict[str, Any] | None:
    """The usual front matter (`key: text`, `key: [a, b]`, `key: 2026-11-23`) without
    YAML; None for anything else, which then goes to the YAML parser.

    Indexing thousands of articles spends much of its time in YAML otherwise."""
    meta: dict[str, Any] = {}
    for line in header.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _KEY_RE.match(line)
        if match is None or match.group(1) in meta:
            return None
        key, value = match.group(1), match.group(2) or ""
        if not value:
            meta[key] = None
        elif value.startswith("[") and value.endswith("]"):
            items = [item.strip() for item in value[1:-1].split(",")]
            if items == [""]:
                items = []
            if not all(_plain(item) or _DATE_RE.match(item) or item.isdigit() for item in items):
                return None
            meta[key] = items
        elif _DATE_RE.match(value) or _plain(value):
            meta[key] = value
        else:
            return None
    return meta


def parse_header(header: str, label: str) -> dict[str, Any]:
    """The front matter as a mapping; YAML errors name the line in the article file."""
    simple = _simple_header(header)
    if simple is not None:
        return simple
    from deskctl.desk import yamlio

    try:
        meta = yamlio.parse_text(header, label)
    except BadInput as exc:
        # the header starts on line 2 of the file
        file, _, rest = exc.message.partition(":")
        number, _, message = rest.partition(":")
        line = int(number) + 1 if number.isdigit() else 2
        raise BadInput(f"{file}:{line}:{message}", exc.hint) from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise BadInput(f"{label}:2: front matter must be a mapping (id: ..., title: ...)")
    return meta


def _text(value: Any, default: str = "") -> str:
    if value is None:
        return default
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [_text(value)]


def read_article(path: Path, label: str, default_language: str = "en") -> Article:
    """One article file; BadInput (file:line) when it cannot be read at all."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{label}:1: not UTF-8 text", "save the file as UTF-8") from None
    except OSError as exc:
        raise BadInput(f"{label}: cannot read: {exc.strerror}") from None
    header, body, body_line = split_front_matter(text.lstrip("\ufeff"), label)
    meta = parse_header(header, label)
    article_id = _text(meta.get("id")) or Path(path).stem
    return Article(
        id=article_id,
        title=_text(meta.get("title")) or _first_heading(body) or article_id,
        language=_text(meta.get("language")) or default_language,
        category=_text(meta.get("category")) or "other",
        tags=_text_list(meta.get("tags")),
        sops=_text_list(meta.get("sops")),
        updated=_text(meta.get("updated")),
        translation_of=_text(meta.get("translation_of")) or None,
        path=Path(path),
        body=body,
        body_line=body_line,
        meta=meta,
    )


def _first_heading(body: str) -> str:
    for line in body.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


def articles_dir(desk) -> Path:
    return desk.path / ARTICLES_DIR


def scan_files(desk) -> list[tuple[str, int, int]]:
    """(relative path, mtime_ns, size) of every article file, sorted: the index fingerprint.

    One stat per file and no reads: cheap enough to run on every search.
    """
    root = articles_dir(desk)
    found: list[tuple[str, int, int]] = []
    pending = [(str(root), "")]
    for _ in range(100_000):  # bounded walk; a KB has far fewer folders
        if not pending:
            break
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            if name.endswith(".md"):  # checked first: almost every entry is an article
                try:
                    st = entry.stat()
                except OSError:
                    continue
                if st.st_mode & 0o170000 == 0o100000:  # a regular file (S_ISREG, no extra call)
                    found.append((prefix + name, st.st_mtime_ns, st.st_size))
                    continue
            if entry.is_dir():
                pending.append((entry.path, prefix + name + "/"))
    found.sort()
    return found


def default_language(desk) -> str:
    try:
        return str(desk.setting("default_language", default="en") or "en")
    except BadInput:
        return "en"


def load_articles(desk) -> tuple[list[Article], list[str]]:
    """Every readable article, and a `file:line: problem` for each one that is not."""
    root = articles_dir(desk)
    language = default_language(desk)
    articles: list[Article] = []
    problems: list[str] = []
    for rel, _, _ in scan_files(desk):
        path = root / rel
        try:
            articles.append(read_article(path, desk.rel(path), language))
        except BadInput as exc:
            problems.append(str(exc))
    return articles, problems


def get_article(desk, article_id: str) -> Article:
    """The article with this id (case-insensitive); NotFound with close matches otherwise."""
    from deskctl.kb.index import load_index

    index = load_index(desk)
    doc = index.find(article_id)
    if doc is None:
        raise NotFound(f"no KB article {article_id!r}", _suggest(article_id, index.ids()))
    path = desk.path / doc["path"]
    return read_article(path, desk.rel(path), default_language(desk))


def article_exists(desk, article_id: str) -> bool:
    """True when the desk's KB holds an article with this id (for `ticket resolve --kb`)."""
    from deskctl.kb.index import load_index

    return load_index(desk).find(article_id) is not None


def _suggest(wanted: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
    if close:
        return "did you mean " + ", ".join(close) + "?"
    return "`deskctl kb list` shows every article; `deskctl kb search WORDS` finds one"
