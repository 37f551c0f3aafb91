"""The static status page: one self-contained HTML page and one Atom feed per language with
the current and recently resolved announcements, written atomically so a web server never
serves half a page. Page and feed come from `templates/announcements/_statuspage/`."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from deskctl.announcements.records import languages_of, public_version
from deskctl.announcements.render import Renderer
from deskctl.announcements.store import Announcements
from deskctl.util import clock
from deskctl.util.fileio import atomic_write

EPOCH = "1970-01-01T00:00:00+00:00"  # `updated` of a page that never showed anything
PAGE = "_statuspage/page.j2"
FEED = "_statuspage/feed.j2"


# Characters XML 1.0 forbids even escaped (C0 controls but tab and newlines, lone
# surrogates, U+FFFE/U+FFFF): one of them in a field would make the whole feed unreadable.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _write(path: Path, text: str) -> bool:
    """Write `text` unless the file already holds it: the 5-minute cron then leaves the page
    and feeds alone (same bytes, same mtime, no feed reader polling a changed file)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    atomic_write(path, text)
    return True


def base_url_of(settings: dict[str, Any]) -> str:
    """`base_url` with its final `/` (links are appended to it), or "" for relative links."""
    url = str(settings.get("base_url") or "").strip()
    return url if not url or url.endswith("/") else url + "/"


def tag_authority(desk, settings: dict[str, Any]) -> str:
    """The domain that names the desk's Atom ids (RFC 4151 tag URIs): the status page's host,
    else the desk's e-mail domain, else a name of the desk's own under `.invalid`."""
    from urllib.parse import urlsplit

    host = urlsplit(base_url_of(settings)).hostname
    email = str((desk.config.get("desk") or {}).get("email") or "")
    if host:
        return host
    if "@" in email:
        return email.rsplit("@", 1)[1].lower()
    return _slug(desk.path.name) + ".invalid"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in str(text).lower()).strip("-") or "desk"


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 does not allow anywhere."""
    return _NOT_XML.sub("", text)


def output_dir(desk, settings: dict[str, Any]) -> Path:
    return desk.path / os.path.expanduser(str(settings.get("out") or "public/status"))


def _cancelled_window_ahead(record: dict, now: datetime) -> bool:
    """A cancelled announcement whose window has not passed yet: people may still expect it."""
    fields = public_version(record)["fields"]
    until = fields.get("end") or fields.get("start")
    return bool(until) and datetime.fromisoformat(until) > now


def select(records: list[dict], now: datetime, recent_days: float) -> tuple[list[dict], list[dict]]:
    """(current: published, and cancelled ones whose window is still ahead, soonest first;
    recent: resolved or cancelled within `recent_days`, newest first)."""
    def published_cancellation(r: dict) -> bool:
        return r["status"] == "cancelled" and r["versions"][-1].get("notice") == "cancellation" and bool(r.get("cancelled_at"))

    current = [r for r in records if r["status"] == "published"
               or (published_cancellation(r) and _cancelled_window_ahead(r, now))]
    current.sort(key=lambda r: public_version(r)["fields"].get("start") or "")
    horizon = now - timedelta(days=recent_days)

    def ended(r: dict) -> str | None:
        return r.get("resolved_at") if r["status"] == "resolved" else r.get("cancelled_at")

    recent = [
        r for r in records
        if (r["status"] == "resolved" or (published_cancellation(r) and r not in current)) and ended(r)
        and datetime.fromisoformat(ended(r)) >= horizon
    ]
    recent.sort(key=lambda r: ended(r), reverse=True)
    return current, recent


def _entry(renderer: Renderer, record: dict, lang: str, now: datetime) -> dict[str, Any]:
    version = public_version(record)
    shown = lang if lang in languages_of(record, version, renderer.config) else renderer.default_language
    rendered = renderer.render(record, version, shown, "web")
    start = version["fields"].get("start")
    if record["status"] in ("resolved", "cancelled"):
        state = record["status"]
    elif start and datetime.fromisoformat(start) > now:
        state = "upcoming"
    else:
        state = "active"
    # when what this entry shows last changed: its version, its resolution, its window starting
    changed = [version["created_at"], record.get("resolved_at") if state == "resolved" else None,
               record.get("cancelled_at") if state == "cancelled" else None,
               start if state == "active" else None]
    return {
        "id": record["id"],
        "version": version["version"],
        "year": record["created_at"][:4],
        "changed": max(datetime.fromisoformat(c).astimezone(UTC) for c in changed if c).isoformat(),
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
    `<out>/index.html` pointing to the default language. Returns the files written (a file
    whose content did not change is not rewritten)."""
    from markupsafe import Markup, escape

    renderer = renderer or Renderer(desk)
    out = output_dir(desk, settings)
    now = clock.now()
    recent_days = float(settings.get("recent_days", 14))
    records = Announcements.for_desk(desk).all()
    current, recent = select(records, now, recent_days)
    languages = [str(x) for x in desk.config.get("languages") or ["en"]]
    desk_info = desk.config.get("desk") or {}
    written = []
    for lang in languages:
        entries_now = [_entry(renderer, r, lang, now) for r in current]
        entries_recent = [_entry(renderer, r, lang, now) for r in recent]
        for entry in entries_now + entries_recent:
            entry["html"] = Markup(entry["html"])  # rendered with autoescape already
        entries = entries_now + entries_recent
        values = {
            "lang": lang, "languages": languages, "now": now, "current": entries_now, "recent": entries_recent,
            "desk": {"name": desk_info.get("name", ""), "email": desk_info.get("email", ""), "phone": desk_info.get("phone", "")},
            "base_url": base_url_of(settings),
            # when what the page shows last changed (not when it was rebuilt), and stable ids
            "updated": datetime.fromisoformat(max((e["changed"] for e in entries), default=EPOCH)),
            "tag": f"tag:{tag_authority(desk, settings)},{min((e['year'] for e in entries), default='2026')}:"
                   f"{_slug(desk_info.get('name') or desk.path.name)}",
        }
        env = renderer.env(True)
        page = env.get_template(PAGE).render(values)
        feed = env.get_template(FEED).render(values)
        for path, text in ((out / lang / "index.html", page), (out / lang / "feed.xml", xml_text(feed))):
            if _write(path, text):
                written.append(path)
    default = escape(renderer.default_language)
    links = "".join(f'<li><a href="{escape(x)}/index.html" hreflang="{escape(x)}">{escape(x)}</a></li>' for x in languages)
    name = escape(desk_info.get("name", "Status"))
    if _write(out / "index.html", (
        f'<!DOCTYPE html>\n<html lang="{default}"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={default}/index.html">'
        f"<title>{name}</title></head>"
        f"<body><main><h1>{name}</h1><ul>{links}</ul></main></body></html>\n"
    )):
        written.append(out / "index.html")
    return written
