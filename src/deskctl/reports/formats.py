"""The KPI report as people read it in a terminal, and as CSV rows for spreadsheets."""

from __future__ import annotations

from deskctl.sla.policy import format_business, percent_text

RATES = (
    ("first_contact_resolution", "First-contact resolution"),
    ("response_sla", "Response SLA compliance"),
    ("resolution_sla", "Resolution SLA compliance"),
    ("reopen_rate", "Reopen rate"),
    ("escalation_rate", "Escalation rate"),
    ("kb_resolution_rate", "Resolved with a KB article"),
)
TIMES = (
    ("time_to_first_response", "Time to first response"),
    ("time_to_resolve", "Time to resolve"),
    ("handling_time", "Handling time"),
)


def _rate_text(r: dict) -> str:
    if r["rate"] is None:
        return "- (no tickets)"
    return f"{percent_text(r['rate'])} ({r['numerator']}/{r['denominator']})"


def _time_text(s: dict) -> str:
    if not s["count"]:
        return "- (no tickets)"
    return f"mean {format_business(s['mean_seconds'])}, median {format_business(s['median_seconds'])} ({s['count']} tickets)"


def text_lines(report: dict) -> list[str]:
    from deskctl.util.moments import format_local

    period, zone = report["period"], report["timezone"]
    since = format_local(period["since"], zone) if period["since"] else "ever"
    lines = [f"KPIs for tickets created {since} .. {format_local(period['until'], zone)}"
             + (f", group {report['group']}" if report["group"] else ""), ""]
    vol = report["volume"]
    lines.append(f"{'Tickets':28} {vol['total']}")
    for key, title in (("by_type", "  by type"), ("by_category", "  by category"),
                       ("by_priority", "  by priority"), ("by_channel", "  by channel")):
        lines.append(f"{title:28} " + ", ".join(f"{k} {v}" for k, v in vol[key].items()))
    lines.append("")
    for key, title in RATES:
        lines.append(f"{title:28} {_rate_text(report[key])}")
        if key == "first_contact_resolution":
            for dim, label in (("by_channel", "  by channel"), ("by_group", "  by group")):
                cells = report[key].get(dim) or {}
                if cells:
                    lines.append(f"{label:28} " + ", ".join(f"{k} {_rate_text(r)}" for k, r in cells.items()))
    for key, title in TIMES:
        lines.append(f"{title:28} {_time_text(report[key])}")
    csat = report["csat"]
    avg = "-" if csat["average"] is None else f"{csat['average']:.2f}/5"
    lines.append(f"{'Satisfaction (CSAT)':28} {avg} from {csat['responses']} answer(s); "
                 f"response rate {_rate_text(csat['response_rate'])}")
    backlog = report["backlog"]
    lines.append(f"{'Backlog':28} {backlog['total']} open: "
                 + ", ".join(f"{k} {v}" for k, v in backlog["by_age"].items()))
    arrivals = report["arrivals"]
    busiest = max(range(24), key=lambda h: arrivals["by_hour"][h]) if vol["total"] else None
    lines.append(f"{'Arrivals by weekday':28} " + ", ".join(f"{k} {v}" for k, v in arrivals["by_weekday"].items()))
    if busiest is not None:
        lines.append(f"{'Busiest hour':28} {busiest:02d}:00-{busiest + 1:02d}:00 ({arrivals['by_hour'][busiest]} tickets)")
    lines.append(f"{'SLA breaches':28} {report['sla_breaches_total']}")
    return lines


def csv_rows(report: dict) -> list[dict]:
    """Long format: one (kpi, key, value) row per figure."""
    rows: list[dict] = []

    def add(kpi: str, key: str, value) -> None:
        rows.append({"kpi": kpi, "key": key, "value": "" if value is None else value})

    add("period", "since", report["period"]["since"])
    add("period", "until", report["period"]["until"])
    add("volume", "total", report["volume"]["total"])
    for dim in ("by_type", "by_category", "by_priority", "by_channel"):
        for k, v in report["volume"][dim].items():
            add(f"volume_{dim}", k, v)
    for key, _ in RATES:
        for part in ("rate", "numerator", "denominator"):
            add(key, part, report[key][part])
    for dim in ("by_channel", "by_group"):
        for k, r in (report["first_contact_resolution"].get(dim) or {}).items():
            add(f"first_contact_resolution_{dim}", k, r["rate"])
    for key, _ in TIMES:
        for part in ("count", "mean_seconds", "median_seconds"):
            add(key, part, report[key][part])
    csat = report["csat"]
    add("csat", "average", csat["average"])
    add("csat", "responses", csat["responses"])
    for score, n in csat["scores"].items():
        add("csat_scores", score, n)
    for part in ("rate", "numerator", "denominator"):
        add("csat_response_rate", part, csat["response_rate"][part])
    add("backlog", "total", report["backlog"]["total"])
    for k, v in report["backlog"]["by_age"].items():
        add("backlog_by_age", k, v)
    arrivals = report["arrivals"]
    for d, day in enumerate(arrivals["weekdays"]):
        for h in range(24):
            add("arrivals", f"{day} {h:02d}", arrivals["by_weekday_hour"][d][h])
    for week in report["weekly"]:
        for part in ("created", "resolved", "sla_breached"):
            add(f"weekly_{part}", week["week"], week[part])
    add("sla_breaches", "total", report["sla_breaches_total"])
    return rows


CSV_COLUMNS = [("kpi", "kpi"), ("key", "key"), ("value", "value")]
