"""Babel-backed Jinja2 filters: dates, times, windows, durations, lists and plural forms in
the reader's language and the desk's time zone. Imported only when rendering."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    format_interval,
    format_time,
    format_timedelta,
    get_timezone_name,
)
from babel.lists import format_list
from jinja2 import pass_context
from markupsafe import Markup, escape


def _lang(context) -> str:
    return str(context.get("lang") or "en")


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    raise TypeError(f"expected a date and time, got {type(value).__name__} {value!r}")


def _hour_skeleton(lang: str) -> str:
    # 12-hour locales (en) want "10:00 – 11:30 PM", 24-hour ones "22:00–23:30"
    return "hm" if "h" in Locale.parse(lang).time_formats["short"].pattern else "Hm"


def make_filters(zone: ZoneInfo) -> dict[str, Any]:
    """The filters every announcement template may use, bound to the desk's time zone."""

    def local(value: Any) -> datetime:
        return _instant(value).astimezone(zone)

    @pass_context
    def date_filter(context, value: Any, fmt: str = "full") -> str:
        return format_date(local(value), fmt, locale=_lang(context))

    @pass_context
    def date_from(context, start: Any, end: Any) -> str:
        """`dal {{ start|date_from(end) }} al {{ end|date("long") }}`: the first day of a span
        without what it shares with the last ("5" of 5-6 December, "30 novembre" of
        30 November-2 December)."""
        begin, finish = local(start), local(end)
        if (begin.year, begin.month) == (finish.year, finish.month):
            pattern = "d"
        elif begin.year == finish.year:
            pattern = "d MMMM"
        else:
            pattern = "long"
        return format_date(begin, pattern, locale=_lang(context))

    @pass_context
    def time_filter(context, value: Any, fmt: str = "short") -> str:
        return format_time(local(value), fmt, tzinfo=zone, locale=_lang(context))

    @pass_context
    def datetime_filter(context, value: Any, fmt: str = "medium") -> str:
        return format_datetime(local(value), fmt, tzinfo=zone, locale=_lang(context))

    @pass_context
    def window(context, start: Any, end: Any = None, date_fmt: str = "full") -> str:
        """`start|window(end)`: "sabato 5 dicembre 2026, 22:00–23:30", across days when needed."""
        lang = _lang(context)
        begin = local(start)
        if end is None:
            return f"{format_date(begin, date_fmt, locale=lang)}, {format_time(begin, 'short', tzinfo=zone, locale=lang)}"
        finish = local(end)
        if begin.utcoffset() != finish.utcoffset():
            # across a clock change: each end says its zone ("01:00 CEST – 05:00 CET")
            def at(moment: datetime) -> str:
                return (f"{format_date(moment, date_fmt, locale=lang)}, "
                        f"{format_time(moment, 'short', tzinfo=zone, locale=lang)} {moment.tzname()}")

            return f"{at(begin)} – {at(finish)}"
        if begin.date() == finish.date():
            hours = format_interval(begin, finish, _hour_skeleton(lang), tzinfo=zone, locale=lang)
            return f"{format_date(begin, date_fmt, locale=lang)}, {hours}"
        return (
            f"{format_date(begin, date_fmt, locale=lang)}, {format_time(begin, 'short', tzinfo=zone, locale=lang)}"
            f" – {format_date(finish, date_fmt, locale=lang)}, {format_time(finish, 'short', tzinfo=zone, locale=lang)}"
        )

    @pass_context
    def duration(context, start: Any, end: Any) -> str:
        """`start|duration(end)`: "1 ora e 30 minuti", "2 дня и 3 часа"."""
        lang = _lang(context)
        seconds = max(0, int((_instant(end) - _instant(start)).total_seconds()))
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        parts = [
            format_timedelta(timedelta(seconds=amount * size), threshold=1000, granularity=unit, locale=lang)
            for amount, size, unit in ((days, 86400, "day"), (hours, 3600, "hour"), (minutes, 60, "minute"))
            if amount
        ]
        if not parts:
            return format_timedelta(timedelta(0), granularity="minute", threshold=1000, locale=lang)
        return format_list(parts, locale=lang)

    @pass_context
    def tzname(context, value: Any, end: Any = None, width: str = "long") -> str:
        """`start|tzname`, or `start|tzname(end)`: both zones' names when a clock change
        falls inside the window."""
        lang = _lang(context)
        first = get_timezone_name(local(value), width, locale=lang)
        if end is None or local(end).utcoffset() == local(value).utcoffset():
            return first
        return format_list([first, get_timezone_name(local(end), width, locale=lang)], locale=lang)

    @pass_context
    def join_list(context, items: Any, style: str = "standard") -> str:
        values = [str(i) for i in (items or [])]
        return format_list(values, style=style, locale=_lang(context)) if values else ""

    @pass_context
    def plural(context, count: Any, **forms: str) -> str:
        """`n|plural(one="servizio", other="servizi")`, or `services|plural(...)` for a list;
        Russian also takes few= and many= (missing forms fall back to other=)."""
        if isinstance(count, list | tuple):  # `services|plural(...)`: by how many there are
            count = len(count)
        category = Locale.parse(_lang(context)).plural_form(abs(int(count)))
        return forms.get(category) or forms.get("other") or next(iter(forms.values()), "")

    def paragraphs(text: Any, inline: bool = False) -> Markup:
        """Plain text -> HTML paragraphs (blank line) and line breaks, every value escaped.
        With inline=True a single paragraph comes back without its <p> (table cells). Text
        in another language than the page's (see `render.InLanguage`) carries its `lang`."""
        lang = getattr(text, "lang", None)
        source = text if isinstance(text, Markup) else escape(str(text or ""))
        blocks = [b.strip() for b in source.replace("\r\n", "\n").split("\n\n")]
        blocks = [b for b in blocks if b]
        if inline and len(blocks) == 1:
            inner = Markup("<br>\n").join(blocks[0].split("\n"))
            return Markup('<span lang="%s">%s</span>') % (lang, inner) if lang else inner
        opening = Markup('<p lang="%s">') % lang if lang else Markup("<p>")
        html = "".join(
            opening + Markup("<br>\n").join(block.split("\n")) + Markup("</p>\n")
            for block in blocks
            if block
        )
        return Markup(html)

    return {
        "date": date_filter,
        "date_from": date_from,
        "time": time_filter,
        "datetime": datetime_filter,
        "window": window,
        "duration": duration,
        "tzname": tzname,
        "join_list": join_list,
        "plural": plural,
        "paragraphs": paragraphs,
    }
