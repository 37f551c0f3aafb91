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
    lines += _work_lines(report)
    return lines


def _median_text(seconds) -> str:
    return "-" if seconds is None else format_business(seconds)


def _work_lines(report: dict) -> list[str]:
    """What a group did (`--group`), time per call type, and the questionnaire."""
    lines = []
    work = report.get("group_work")
    if work:
        lines += ["", f"{'Work of group ' + work['group']:28} touched {work['touched']}, escalated onward "
                      f"{work['escalated_onward']}, reassigned onward {work['reassigned_onward']}, resolved {work['resolved']}"]
    elif report.get("work_by_group"):
        lines += ["", "Work per group (held in the period: handled, escalated onward, reassigned onward, resolved):"]
        lines += [f"  {w['group']:26} {w['touched']}, {w['escalated_onward']}, {w['reassigned_onward']}, {w['resolved']}"
                  for w in report["work_by_group"]]
        if report.get("handling_missing"):
            lines.append(f"  ({report['handling_missing']} older ticket(s) not counted: run `deskctl store check --repair`)")
    times = report.get("time_per_type") or {}
    for part, title in (("by_type", "Time per type"), ("by_category", "Time per category")):
        if times.get(part):
            lines += ["", f"{title} (median handling / resolution):"]
            lines += [f"  {key:26} {_median_text(v['median_handling_seconds'])} / "
                      f"{_median_text(v['median_resolution_seconds'])} ({v['resolved']} resolved)"
                      for key, v in times[part].items()]
    sat = report.get("satisfaction")
    if sat and sat["responses"]:
        lines += ["", f"Survey answers: {sat['responses']} ("
                  + ", ".join(f"{k} {v}" for k, v in sat["by_method"].items()) + ")"]
        for q in sat["questions"]:
            if q["kind"] == "scale":
                mean = "-" if q["mean"] is None else f"{q['mean']:.2f}/{q['scale']}"
                lines.append(f"  {q['id']:26} {mean} from {q['responses']} answer(s)")
            else:
                lines.append(f"  {q['id']:26} " + ", ".join(f"{k} {v}" for k, v in q["answers"].items()))
        for c in sat["lowest_comments"]:
            lines.append(f"  lowest: {c['id']} ({c['score']}): {c['comment']}")
    return lines


def by_columns(by: str, *, csv: bool = False) -> list[tuple[str, str]]:
    if csv:
        return [(by, by), ("volume", "volume"), ("resolved", "resolved"), ("escalated", "escalated"),
                ("fcr_rate", "fcr_rate"), ("median_handling_seconds", "median_handling_seconds"),
                ("median_resolution_seconds", "median_resolution_seconds"),
                ("response_sla_rate", "response_sla_rate"), ("resolution_sla_rate", "resolution_sla_rate"),
                ("csat_average", "csat_average"), ("csat_responses", "csat_responses")]
    return [(by, by.upper()), ("volume", "TICKETS"), ("resolved", "RESOLVED"), ("escalated", "ESCALATED"),
            ("fcr", "FCR"), ("handling", "MEDIAN HANDLING"), ("resolution", "MEDIAN RESOLUTION"),
            ("response_sla", "RESPONSE SLA"), ("resolution_sla", "RESOLUTION SLA"), ("csat", "CSAT")]


def by_rows(result: dict, *, csv: bool = False) -> list[dict]:
    """The breakdown's rows flattened for a table (text) or CSV (numbers as they are)."""
    out = []
    for r in result["rows"]:
        if csv:
            out.append({**r, "fcr_rate": r["first_contact_resolution"]["rate"],
                        "response_sla_rate": r["response_sla"]["rate"],
                        "resolution_sla_rate": r["resolution_sla"]["rate"],
                        "csat_average": r["csat"]["average"], "csat_responses": r["csat"]["responses"]})
            continue
        csat = r["csat"]
        out.append({**r, "fcr": _short_rate(r["first_contact_resolution"]),
                    "handling": _median_text(r["median_handling_seconds"]),
                    "resolution": _median_text(r["median_resolution_seconds"]),
                    "response_sla": _short_rate(r["response_sla"]), "resolution_sla": _short_rate(r["resolution_sla"]),
                    "csat": "-" if csat["average"] is None else f"{csat['average']:.2f} ({csat['responses']})"})
    return out


def _short_rate(r: dict) -> str:
    return "-" if r["rate"] is None else f"{percent_text(r['rate'])} ({r['numerator']}/{r['denominator']})"


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
    work = report.get("group_work")
    if work:
        for part in WORK_PARTS:
            add("group_work", part, work[part])
    for w in report.get("work_by_group") or []:
        for part in WORK_PARTS:
            add(f"work_by_group_{part}", w["group"], w[part])
    for part, found in (report.get("time_per_type") or {}).items():
        for key, v in found.items():
            for figure in ("resolved", "median_resolution_seconds", "median_handling_seconds"):
                add(f"time_{part}", f"{key} {figure}", v[figure])
    sat = report.get("satisfaction")
    if sat:
        add("survey", "responses", sat["responses"])
        for q in sat["questions"]:
            if q["kind"] == "scale":
                add("survey_question_mean", q["id"], q["mean"])
            for answer, n in q["answers"].items():
                add(f"survey_answers_{q['id']}", answer, n)
    return rows


WORK_PARTS = ("touched", "escalated_onward", "reassigned_onward", "resolved")
CSV_COLUMNS = [("kpi", "kpi"), ("key", "key"), ("value", "value")]
