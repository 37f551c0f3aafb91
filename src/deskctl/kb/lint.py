"""`deskctl kb lint` and the KB part of `deskctl config check`: every article's front matter
and links, and every flow (see `flow_check`). Each problem is `file:line: message`."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput
from deskctl.kb.articles import (
    FIELDS,
    ID_RE,
    Article,
    articles_dir,
    parse_header,
    scan_files,
    split_front_matter,
)
from deskctl.kb.flow_check import check_flows, sop_exists

REQUIRED = ("id", "title", "language", "category")
OPTIONAL = {"author", "owner", "description", "aliases", "review_by"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _key_lines(header: str) -> dict[str, int]:
    """Top-level front-matter key -> line in the article file (the header starts on line 2)."""
    found: dict[str, int] = {}
    for offset, line in enumerate(header.splitlines()):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            found.setdefault(match.group(1), offset + 2)
    return found


def _read(desk, path: Path) -> tuple[Article | None, dict[str, Any], dict[str, int], list[str]]:
    """An article with its raw front matter and key lines, or the reason it cannot be read."""
    label = desk.rel(path)
    try:
        raw = path.read_text(encoding="utf-8").lstrip("\ufeff")
        header, body, body_line = split_front_matter(raw, label)
        meta = parse_header(header, label)
    except UnicodeDecodeError:
        return None, {}, {}, [f"{label}:1: not UTF-8 text (save the file as UTF-8)"]
    except OSError as exc:
        return None, {}, {}, [f"{label}:1: cannot read: {exc.strerror}"]
    except BadInput as exc:
        return None, {}, {}, [str(exc)]
    from deskctl.kb.articles import read_article

    article = read_article(path, label)  # lenient values; the checks below look at `meta`
    return article, meta, _key_lines(header), []


def check_article(desk, article: Article, meta: dict[str, Any], lines: dict[str, int]) -> list[str]:
    label = desk.rel(article.path)
    problems: list[str] = []

    def report(key: str | None, message: str) -> None:
        problems.append(f"{label}:{lines.get(key, 2) if key else 2}: {message}")

    for key in REQUIRED:
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            report(key if key in meta else None, f"front matter needs {key}: (text)")
    for key in meta:
        if key not in FIELDS and key not in OPTIONAL and not str(key).startswith("x-"):
            report(str(key), f"unknown front-matter key {key!r} (known: {', '.join(FIELDS)}; prefix your own with x-)")
    article_id = meta.get("id")
    if isinstance(article_id, str) and article_id.strip():
        if not ID_RE.match(article_id.strip()):
            report("id", f"id {article_id!r} may hold only letters, digits, '.', '_' and '-'")
        elif article_id.strip() != article.path.stem:
            report("id", f"id {article_id!r} differs from the file name {article.path.name!r}: rename the file to {article_id.strip()}.md")
    language = meta.get("language")
    languages = desk.setting("languages", default=[]) or []
    if isinstance(language, str) and languages and language not in languages:
        report("language", f"language {language!r} is not one of the desk's languages ({', '.join(languages)})")
    category = meta.get("category")
    categories = desk.setting("tickets", "categories", default=[]) or []
    if isinstance(category, str) and category.strip() and categories and category not in categories:
        report("category", f"category {category!r} is not one of the desk's categories ({', '.join(categories)})")
    for key in ("tags", "sops"):
        value = meta.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            report(key, f"{key} must be a list of names, like [{'printer, offline' if key == 'tags' else 'clear-print-queue'}]")
    for name in article.sops:
        if not sop_exists(desk, name):
            report("sops", f"SOP {name!r} does not exist (no sops/{name}.yaml)")
    updated = meta.get("updated")
    if updated is not None and not isinstance(updated, dt.date) and not (isinstance(updated, str) and DATE_RE.match(updated)):
        report("updated", f"updated must be a date like 2026-11-23, not {updated!r}")
    if not article.body.strip():
        problems.append(f"{label}:{article.body_line}: the article has no text below the front matter")
    return problems


def check_articles(desk, *, syntax: bool = True) -> tuple[list[str], set[str]]:
    """Problems in every article, and the (case-folded) ids of the readable ones."""
    root = articles_dir(desk)
    problems: list[str] = []
    read: list[Article] = []
    owners: dict[str, str] = {}
    for rel, _, _ in scan_files(desk):
        path = root / rel
        article, meta, lines, errors = _read(desk, path)
        if article is None:
            if syntax:
                problems += errors
            continue
        problems += check_article(desk, article, meta, lines)
        key = article.id.casefold()
        if key in owners:
            problems.append(f"{desk.rel(path)}:{lines.get('id', 2)}: id {article.id!r} is also used by {owners[key]}")
            continue
        owners[key] = desk.rel(path)
        read.append(article)
        article.meta["_lines"] = lines
    by_id = {a.id.casefold(): a for a in read}
    for article in read:
        label = desk.rel(article.path)
        lines = article.meta.pop("_lines")
        for target, line in article.links():
            if target.casefold() not in by_id:
                problems.append(f"{label}:{line}: link [[{target}]] points to no article")
        if article.translation_of:
            original = by_id.get(article.translation_of.casefold())
            where = f"{label}:{lines.get('translation_of', 2)}"
            if original is None:
                problems.append(f"{where}: translation_of {article.translation_of!r} is not an article")
            elif original is article:
                problems.append(f"{where}: an article cannot be a translation of itself")
            elif original.language == article.language:
                problems.append(f"{where}: translation_of {original.id!r} is in the same language ({article.language})")
    return problems, set(by_id)


PLACES = {".md": "articles", ".markdown": "articles", ".yaml": "flows", ".yml": "flows"}


def misplaced(desk) -> list[str]:
    """Articles and flows outside the folders deskctl reads (a Markdown file written straight
    into `kb/`, a flow among the articles): each would be silently ignored, so say where it
    belongs."""
    kb = desk.path / "kb"
    problems: list[str] = []
    pending = [kb]
    for _ in range(10_000):  # bounded walk; a KB has far fewer folders
        if not pending:
            break
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
                continue
            wanted = PLACES.get(path.suffix.lower())
            if wanted is None or path.name.lower() in ("readme.md", "readme.markdown"):
                continue
            top = path.relative_to(kb).parts[0] if len(path.relative_to(kb).parts) > 1 else ""
            if top != wanted:
                kind = "article" if wanted == "articles" else "flow"
                problems.append(f"{desk.rel(path)}:1: not read: {kind}s belong in kb/{wanted}/ "
                                f"(move it there: mv {desk.rel(path)} kb/{wanted}/)")
    return problems


def lint(desk, *, syntax: bool = True) -> list[str]:
    """Every problem in the desk's KB, sorted by file and line.

    `syntax=False` leaves out unreadable files, which `config check` already reports."""
    from deskctl.desk.config_report import _problem_sort_key

    problems, ids = check_articles(desk, syntax=syntax)
    flow_problems, _ = check_flows(desk, ids, syntax=syntax)
    return sorted(set(problems + flow_problems + misplaced(desk)), key=_problem_sort_key)
