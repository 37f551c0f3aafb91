"""The static status page: one self-contained HTML page and one Atom feed per language with
the current and recently resolved announcements, written atomically so a web server never
serves half a page. Page and feed come from `templates/announcements/_statuspage/`."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from deskctl import clock
from deskctl.announcements.records import languages_of, public_version
from deskctl.announcements.render import Renderer
from deskctl.announcements.store import AnnouncementStore
from deskctl.fileio import atomic_write

PAGE = "_statuspage/page.j2"
FEED = "_statuspage/feed.j2"


# Characters XML 1.0 forbids even escaped (C0 controls but tab and newlines, lone
# surrogates, U+FFFE/U+FFFF): one of them in a field would make the whole feed unreadable.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _write(path: Path, text: str) -> None:
    atomic_write(path, text)


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 does not allow anywhere."""
    return _NOT_XML.sub("", text)


def output_dir(desk, settings: dict[str, Any]) -> Path:
    return desk.path / os.path.expanduser(str(settings.get("out") or "public/status"))


def select(records: list[dict], now: datetime, recent_days: float) -> tuple[list[dict], list[dict]]:
    """(current: published, soonest first; recent: resolved within `recent_days`, newest first)."""
    current = [r for r in records if r["status"] == "published"]
    current.sort(key=lambda r: public_version(r)["fields"].get("start") or "")
    horizon = now - timedelta(days=recent_days)
    recent = [
        r for r in records
        if r["status"] == "resolved" and r.get("resolved_at")
        and datetime.fromisoformat(r["resolved_at"]) >= horizon
    ]
    recent.sort(key=lambda r: r["resolved_at"], reverse=True)
    return current, recent


def _entry(renderer: Renderer, record: dict, lang: str, now: datetime) -> dict[str, Any]:
    version = public_version(record)
    shown = lang if lang in languages_of(record, version, renderer.config) else renderer.default_language
    rendered = renderer.render(record, version, shown, "web")
    start = version["fields"].get("start")
    if record["status"] == "resolved":
        state = "resolved"
    elif start and datetime.fromisoformat(start) > now:
        state = "upcoming"
    else:
        state = "active"
    return {
        "id": record["id"],
        "version": version["version"],
        "kind": record["kind"],
        "state": state,
        "severity": version["fields"].get("severity", "minor"),
        "title": rendered.parts["title"],
        "html": rendered.parts["html"],
        "lang": shown,
        "published": record.get("published_at") or version["created_at"],
        "updated": version["created_at"],
        "warnings": rendered.warnings,
    }


def build(desk, settings: dict[str, Any], *, renderer: Renderer | None = None) -> list[Path]:
    """Write `<out>/<lang>/index.html` and `feed.xml` for every desk language, and
    `<out>/index.html` pointing to the default language. Returns the files written."""
    from markupsafe import Markup, escape

    renderer = renderer or Renderer(desk)
    out = output_dir(desk, settings)
    now = clock.now()
    recent_days = float(settings.get("recent_days", 14))
    records = AnnouncementStore.for_desk(desk).all()
    current, recent = select(records, now, recent_days)
    languages = [str(x) for x in desk.config.get("languages") or ["en"]]
    desk_info = desk.config.get("desk") or {}
    written = []
    for lang in languages:
        entries_now = [_entry(renderer, r, lang, now) for r in current]
        entries_recent = [_entry(renderer, r, lang, now) for r in recent]
        for entry in entries_now + entries_recent:
            entry["html"] = Markup(entry["html"])  # rendered with autoescape already
        values = {
            "lang": lang, "languages": languages, "now": now, "current": entries_now, "recent": entries_recent,
            "desk": {"name": desk_info.get("name", ""), "email": desk_info.get("email", ""), "phone": desk_info.get("phone", "")},
            "base_url": str(settings.get("base_url") or ""),
        }
        env = renderer.env(True)
        page = env.get_template(PAGE).render(values)
        feed = env.get_template(FEED).render(values)
        _write(out / lang / "index.html", page)
        _write(out / lang / "feed.xml", xml_text(feed))
        written += [out / lang / "index.html", out / lang / "feed.xml"]
    default = escape(renderer.default_language)
    links = "".join(f'<li><a href="{escape(x)}/index.html" hreflang="{escape(x)}">{escape(x)}</a></li>' for x in languages)
    _write(out / "index.html", (
        f'<!DOCTYPE html>\n<html lang="{default}"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={default}/index.html">'
        f"<title>{escape(desk_info.get('name', 'Status'))}</title></head>"
        f"<body><ul>{links}</ul></body></html>\n"
    ))
    written.append(out / "index.html")
    return written
