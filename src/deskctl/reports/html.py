"""The HTML report: one self-contained, printable file (inline CSS and SVG; no scripts, no
external fonts or images), readable offline and attachable to an e-mail."""

from __future__ import annotations

from html import escape
from pathlib import Path

from deskctl.reports import charts
from deskctl.reports.formats import RATES, TIMES
from deskctl.sla.policy import format_business, percent_text
from deskctl.util import clock

CSS = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;
margin:0;padding:24px 32px;background:#fff}h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;
border-bottom:1px solid #e5e7eb;padding-bottom:4px}.sub{color:#4b5563;margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 12px;break-inside:avoid}
.card .k{color:#4b5563;font-size:12px}.card .v{font-size:22px;font-weight:600}.card .d{color:#6b7280;font-size:12px}
.row{display:flex;flex-wrap:wrap;gap:18px}.chart{max-width:100%;height:auto}
.chart .lbl{font-size:11px;fill:#374151}.chart .val{font-size:10px;fill:#6b7280}.chart .grid{stroke:#e5e7eb}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e5e7eb}
th{background:#f9fafb}.bad{color:#b91c1c;font-weight:600}.muted{color:#6b7280}
figure{margin:0 0 12px}figcaption{font-weight:600;margin:0 0 4px}details{margin:4px 0 0;font-size:12px}
summary{cursor:pointer;color:#1d4ed8}details table{width:auto}
section{break-inside:avoid}@media print{body{padding:0}h2{break-after:avoid}.card{border-color:#9ca3af}}
"""


def _card(title: str, value: str, detail: str = "") -> str:
    return (f'<div class="card"><div class="k">{escape(title)}</div><div class="v">{escape(value)}</div>'
            f'<div class="d">{escape(detail)}</div></div>')


def _rate(r: dict) -> tuple[str, str]:
    if r["rate"] is None:
        return "-", "no tickets"
    return percent_text(r["rate"]), f"{r['numerator']} of {r['denominator']}"


def _local(iso: str | None, tz: str) -> str:
    """A time in the desk's zone, labelled with the zone's abbreviation."""
    from deskctl.util.moments import format_local

    return format_local(iso, tz)


def _table(rows: list[dict], columns: list[tuple[str, str]], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(t)}</th>" for _, t in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(r.get(k) if r.get(k) is not None else ''))}</td>"
                                    for k, _ in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fcr_tables(fcr: dict) -> str:
    """First-contact resolution by channel and by group (docs/kpis.md)."""
    parts = []
    for key, label in (("by_channel", "Channel"), ("by_group", "Group")):
        rows = [{"value": value, "rate": _rate(r)[0], "of": _rate(r)[1]} for value, r in (fcr.get(key) or {}).items()]
        parts.append(_table(rows, [("value", label), ("rate", "First contact"), ("of", "Tickets")], "No tickets."))
    return f'<div class="row">{"".join(parts)}</div>'


def render(report: dict, *, desk_name: str) -> str:
    tz = report["timezone"]
    period = report["period"]
    since = _local(period["since"], tz) or "the first ticket"
    title = f"{desk_name}: service desk report"
    cards = [_card("Tickets", str(report["volume"]["total"]), "created in the period")]
    for key, name in RATES:
        value, detail = _rate(report[key])
        cards.append(_card(name, value, detail))
    for key, name in TIMES:
        s = report[key]
        cards.append(_card(f"{name} (mean)", format_business(s["mean_seconds"]),
                           f"median {format_business(s['median_seconds'])}, {s['count']} tickets" if s["count"] else "no tickets"))
    csat = report["csat"]
    value, detail = _rate(csat["response_rate"])
    cards.append(_card("CSAT", "-" if csat["average"] is None else f"{csat['average']:.2f} / 5",
                       f"{csat['responses']} answers, response rate {value}"))
    cards.append(_card("Backlog", str(report["backlog"]["total"]), f"open at {_local(report['backlog']['as_of'], tz)}"))
    cards.append(_card("SLA breaches", str(report["sla_breaches_total"]), "tickets with a breached clock"))

    vol = report["volume"]
    volume_charts = "".join(
        charts.bar_chart(list(vol[key].items())[:10], title=f"Tickets created in the period, {label}")
        for key, label in (("by_type", "by type"), ("by_channel", "by channel"),
                           ("by_priority", "by priority"), ("by_category", "by category")))
    weekly = report["weekly"]
    trend = charts.line_chart([w["week"] for w in weekly],
                              {"created": [w["created"] for w in weekly], "resolved": [w["resolved"] for w in weekly],
                               "SLA breached": [w["sla_breached"] for w in weekly]},
                              title="Tickets per week (week starting)")
    arrivals = report["arrivals"]
    heat = charts.heatmap(arrivals["by_weekday_hour"], [d.capitalize() for d in arrivals["weekdays"]],
                          title=f"Arrivals by weekday and hour ({tz})")
    backlog = charts.bar_chart(list(report["backlog"]["by_age"].items()), title="Open tickets now, by age",
                               what="Open tickets")
    scores = charts.bar_chart([(f"{s} / 5", n) for s, n in csat["scores"].items()],
                              title="Survey answers in the period, by score", what="Answers")

    oldest = [{**r, "created": _local(r["created_at"], tz), "age": format_business(r["age_seconds"])}
              for r in report["oldest_open"]]
    breaches = [{**b, "created": _local(b["created_at"], tz), "clocks": ", ".join(b["clocks"]),
                 "state": "open" if b["open"] else "done"} for b in report["sla_breaches"]]
    generated = _local(clock.now_iso(), tz)
    scope = f" · group {report['group']}" if report["group"] else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="sub">Tickets created from {escape(since)} to {escape(_local(period['until'], tz))} ({escape(tz)}){escape(scope)} · generated {escape(generated)} by deskctl</p>
<section><h2>Key figures</h2><div class="cards">{''.join(cards)}</div></section>
<section><h2>Weekly trend</h2>{trend}</section>
<section><h2>Arrivals by weekday and hour</h2><p class="sub">For staffing and opening hours: darker cells are busier.</p>{heat}</section>
<section><h2>Volume</h2><div class="row">{volume_charts}</div></section>
<section><h2>First-contact resolution</h2>{_fcr_tables(report["first_contact_resolution"])}</section>
<section><h2>Backlog and satisfaction</h2><div class="row">{backlog}{scores}</div></section>
<section><h2>Oldest open tickets</h2>{_table(oldest, [("id", "Ticket"), ("created", "Created"), ("age", "Age"), ("priority", "Priority"), ("status", "Status"), ("group", "Group"), ("title", "Title")], "No open tickets.")}</section>
{_work_sections(report)}{_satisfaction_section(report)}
<section><h2>SLA breaches ({report['sla_breaches_total']})</h2>{_table(breaches, [("id", "Ticket"), ("created", "Created"), ("priority", "Priority"), ("clocks", "Breached"), ("state", "Now"), ("group", "Group"), ("title", "Title")], "No SLA breach in the period.")}</section>
</main>
<footer><p class="muted">Definitions of every figure: docs/kpis.md in deskctl.</p></footer>
</body></html>
"""


def _median(seconds) -> str:
    return "-" if seconds is None else format_business(seconds)


def _work_sections(report: dict) -> str:
    """What the group did (`--group`) and the time per call type."""
    parts = []
    work = report.get("group_work")
    if work:
        cards = "".join(_card(title, str(work[key]), f"by group {work['group']} in the period")
                        for key, title in (("touched", "Tickets handled"), ("escalated_onward", "Escalated onward"),
                                           ("reassigned_onward", "Reassigned onward"), ("resolved", "Resolved")))
        parts.append(f'<section><h2>Work of group {escape(work["group"])}</h2><div class="cards">{cards}</div></section>')
    by_group = report.get("work_by_group")
    if by_group is not None and not work:
        missing = report.get("handling_missing") or 0
        note = (f'<p class="muted">{missing} ticket(s) stored by an older deskctl are not counted: '
                "run <code>deskctl store check --repair</code>.</p>" if missing else "")
        parts.append("<section><h2>Work per group</h2>"
                     '<p class="sub">Tickets each group held in the period, whenever they were created.</p>' + note
                     + _table(by_group, [("group", "Group"), ("touched", "Handled"),
                                         ("escalated_onward", "Escalated onward"),
                                         ("reassigned_onward", "Reassigned onward"), ("resolved", "Resolved")],
                              "No group held a ticket in the period.") + "</section>")
    times = report.get("time_per_type") or {}
    for key, title, column in (("by_type", "Time per call type", "Type"), ("by_category", "Time per category", "Category")):
        rows = [{"key": k, "resolved": v["resolved"], "handling": _median(v["median_handling_seconds"]),
                 "resolution": _median(v["median_resolution_seconds"])} for k, v in (times.get(key) or {}).items()]
        parts.append(f"<section><h2>{escape(title)}</h2>" + _table(
            rows, [("key", column), ("resolved", "Resolved"), ("handling", "Median handling"),
                   ("resolution", "Median resolution")], "No ticket resolved in the period.") + "</section>")
    return "\n".join(parts)


def _satisfaction_section(report: dict) -> str:
    """The questionnaire: each question's mean (or its choices), per group, category and
    channel, by method, and the lowest-scoring comments."""
    sat = report.get("satisfaction")
    if not sat:
        return ""
    questions = [{"id": q["id"], "text": q["text"], "responses": q["responses"],
                  "mean": "-" if q.get("mean") is None else (f"{q['mean']:.2f} / {q['scale']}" if q["kind"] == "scale" else "-"),
                  "answers": ", ".join(f"{k}: {v}" for k, v in q["answers"].items())}
                 for q in sat["questions"]]
    rated = [q["id"] for q in sat["questions"] if q["kind"] == "scale"]
    body = [f'<p class="sub">{sat["responses"]} answer(s); by method: '
            + escape(", ".join(f"{k} {v}" for k, v in sat["by_method"].items()) or "-") + "</p>",
            _table(questions, [("id", "Question"), ("text", "Text"), ("mean", "Mean"), ("responses", "Answers"),
                               ("answers", "Answers per value")], "No survey answer in the period.")]
    for dim in ("group", "category", "channel"):
        rows = [{"key": k, "responses": v["responses"],
                 **{f"q.{qid}": "-" if m is None else f"{m:.2f}" for qid, m in v["means"].items()}}
                for k, v in sat[f"by_{dim}"].items()]
        if rows:
            body.append(f"<h3>By {escape(dim)}</h3>" + _table(
                rows, [("key", dim.capitalize()), ("responses", "Answers"), *[(f"q.{qid}", qid) for qid in rated]], ""))
    body.append("<h3>Lowest-scoring comments</h3>" + _table(
        sat["lowest_comments"], [("id", "Ticket"), ("score", "Score"), ("comment", "Comment"), ("group", "Group"),
                                 ("category", "Category"), ("channel", "Channel"), ("method", "Method")],
        "No comment in the period."))
    return f"<section><h2>Satisfaction survey</h2>{''.join(body)}</section>"


def write_report(path: Path, report: dict, *, desk_name: str) -> Path:
    """Write the report atomically (a half-written file never replaces a good one)."""
    from deskctl.errors import BadInput

    text = render(report, desk_name=desk_name)
    path = path.expanduser()
    if path.parent and not path.parent.is_dir():
        raise BadInput(f"{path.parent}: no such folder", "create it first or choose another --out")
    from deskctl.util.fileio import atomic_write

    atomic_write(path, text)  # a full disk: one line, no temporary file left behind
    return path
