"""`deskctl kb new`: a new article file with a valid front matter and the usual sections."""

from __future__ import annotations

import re
from pathlib import Path

from deskctl.errors import BadInput
from deskctl.kb import text
from deskctl.kb.articles import ID_RE, articles_dir
from deskctl.util import clock

SECTIONS = {
    "en": ("Symptoms", "Before you start", "Steps", "If this does not help", "Related"),
    "it": ("Sintomi", "Prima di iniziare", "Passaggi", "Se il problema persiste", "Articoli correlati"),
    "ru": ("Симптомы", "Перед началом", "Шаги", "Если это не помогло", "См. также"),
    "ro": ("Simptome", "Înainte de a începe", "Pași", "Dacă problema persistă", "Articole înrudite"),
}


def slug_id(title: str) -> str:
    """KB-<words of the title>: "Printer shows Offline" -> KB-printer-shows-offline."""
    slug = "-".join(text.words(title))[:60].strip("-")
    return f"KB-{slug}" if slug else ""


def _yaml_text(value: str) -> str:
    """A YAML scalar for front matter: plain when safe, double-quoted otherwise."""
    plain_ok = re.fullmatch(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^#]*", value) and ": " not in value
    if plain_ok and value.strip() == value and value.lower() not in {"yes", "no", "true", "false", "null", "on", "off", "~"}:
        return value
    import json

    return json.dumps(value, ensure_ascii=False)


def _yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(_yaml_text(v) for v in values) + "]"


def new_article(desk, *, title: str, article_id: str | None = None, tags: list[str] | None = None,
                category: str | None = None, language: str | None = None, sops: list[str] | None = None,
                translation_of: str | None = None, force: bool = False) -> Path:
    """Write `kb/articles/<id>.md`; refuse bad values or an existing file (unless `force`)."""
    title = (title or "").strip()
    if not title:
        raise BadInput("an article needs a title", "pass --title 'Printer shows Offline'")
    article_id = (article_id or slug_id(title)).strip()
    if not ID_RE.match(article_id):
        raise BadInput(f"article id {article_id!r} may hold only letters, digits, '.', '_' and '-'", "pass --id KB-short-name")
    language = language or str(desk.setting("default_language", default="en"))
    languages = desk.setting("languages", default=[]) or []
    if languages and language not in languages:
        raise BadInput(f"language {language!r} is not one of the desk's languages", f"use one of: {', '.join(languages)}")
    categories = desk.setting("tickets", "categories", default=[]) or []
    category = category or ("other" if "other" in categories or not categories else categories[0])
    if categories and category not in categories:
        raise BadInput(f"category {category!r} is not one of the desk's categories", f"use one of: {', '.join(categories)}")
    from deskctl.kb.flow_check import sop_exists
    from deskctl.kb.index import forget, load_index

    for name in sops or []:
        if not sop_exists(desk, name):
            raise BadInput(f"SOP {name!r} does not exist (no sops/{name}.yaml)", "`deskctl sop list` shows the SOPs")
    index = load_index(desk)
    if translation_of and index.find(translation_of) is None:
        raise BadInput(f"--translation-of {translation_of!r}: no such article", "`deskctl kb list` shows the articles")
    path = articles_dir(desk) / f"{article_id}.md"
    existing = index.find(article_id)
    if (path.exists() or existing is not None) and not force:
        where = desk.rel(path) if path.exists() else existing["path"]
        raise BadInput(f"article {article_id} already exists ({where})", "choose another --id, or pass --force to overwrite it")
    lines = [
        "---",
        f"id: {_yaml_text(article_id)}",
        f"title: {_yaml_text(title)}",
        f"tags: {_yaml_list(tags or [])}",
        f"category: {_yaml_text(category)}",
        f"language: {_yaml_text(language)}",
        f"sops: {_yaml_list(sops or [])}",
        f"updated: {clock.now().date().isoformat()}",
    ]
    if translation_of:
        lines.append(f"translation_of: {_yaml_text(index.find(translation_of)['id'])}")
    lines.append("---")
    symptoms, before, steps, fallback, related = SECTIONS.get(language, SECTIONS["en"])
    body = [
        "",
        f"## {symptoms}",
        "",
        "What the user sees or reports, with the exact error messages.",
        "",
        f"## {before}",
        "",
        "- What to record in the ticket and what to ask the user first.",
        "",
        f"## {steps}",
        "",
        "1. The first thing to try.",
        "",
        f"## {fallback}",
        "",
        "- Which group to escalate to, and with what information.",
        "",
        f"## {related}",
        "",
    ]
    if translation_of:
        body.append(f"- [[{index.find(translation_of)['id']}]]")
        body.append("")
    from deskctl.util.fileio import atomic_write

    atomic_write(path, "\n".join(lines + body))  # a full disk: one line, no temporary file left behind
    forget(desk)
    return path
