"""The report's satisfaction section: the questionnaire per question, per group, category and
channel, by survey method, and the lowest-scoring comments (for the improvement plan).

Over the same cohort as the other KPIs (tickets created in the period); definitions in
docs/kpis.md ("Satisfaction").
"""

from __future__ import annotations

import statistics
from collections import Counter

from deskctl.reports.kpi import _ts

OVERALL = "overall"  # the `--score` answer, shown as the first question
DIMENSIONS = ("group", "category", "channel")
LOWEST = 10


def _mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def _normalised(value: int, scale: int) -> float:
    """An answer on a 1..scale rating as a 1-5 score (to rank answers of different scales)."""
    return 1 + 4 * (value - 1) / (scale - 1)


def question_figures(questions: dict, scales: dict[str, int], ratings: dict[str, dict[int, int]],
                     picked: dict[str, dict[str, int]], language: str) -> list[dict]:
    """One entry per question, the overall score first: its responses and, for a rating, the
    mean and the count per value (`ratings`: question -> value -> count; `picked`: the same
    for choices). The PostgreSQL report counts in SQL and lists them here too."""
    order = [OVERALL, *questions, *sorted((set(ratings) | set(picked)) - set(questions) - {OVERALL})]
    listed = []
    for qid in dict.fromkeys(order):
        q = questions.get(qid)
        entry = {"id": qid, "text": "Overall satisfaction" if qid == OVERALL else (q.text_in(language) if q else qid),
                 "kind": q.kind if q else ("scale" if qid in ratings else "choice")}
        if entry["kind"] == "scale":
            counts = ratings.get(qid, {})
            scale = scales.get(qid, 5)
            n = sum(counts.values())
            entry.update({"scale": scale, "responses": n,
                          "mean": round(sum(v * c for v, c in counts.items()) / n, 2) if n else None,
                          "answers": {str(s): counts.get(s, 0) for s in range(1, scale + 1)}})
        else:
            counts = picked.get(qid, {})
            choices = list(q.choices) if q else []
            entry.update({"responses": sum(counts.values()),
                          "answers": {c: counts.get(c, 0) for c in [*choices, *sorted(set(counts) - set(choices))]}})
        listed.append(entry)
    return listed


def compute(rows: list[dict], settings, period, *, language: str = "en") -> dict:
    """The section for the cohort's survey answers (rows: summary rows, archived ones included)."""
    since_ts = period.since.timestamp() if period.since else None
    until_ts = period.until.timestamp()
    questions = {q.id: q for q in settings.questions}
    scales = {qid: q.scale for qid, q in questions.items() if q.kind == "scale"}
    scales[OVERALL] = 5
    ratings: dict[str, list[int]] = {OVERALL: []}
    picked: dict[str, Counter] = {}
    per: dict[str, dict[str, dict[str, list[int]]]] = {d: {} for d in DIMENSIONS}
    answered: dict[str, Counter] = {d: Counter() for d in DIMENSIONS}  # responses per value, rated or not
    methods: Counter = Counter()
    commented = []
    responses = 0
    for row in rows:
        survey = row.get("survey")
        created = _ts(row.get("created_at"))
        if not isinstance(survey, dict) or created is None:
            continue
        if not ((since_ts is None or created >= since_ts) and created < until_ts):
            continue
        responses += 1
        methods[survey.get("method") or "(not recorded)"] += 1
        given: dict[str, int] = {}
        if isinstance(survey.get("score"), int):
            given[OVERALL] = survey["score"]
        for qid, value in (survey.get("answers") or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                given[qid] = value
                scales.setdefault(qid, 5)  # a question since removed from the config
            else:
                picked.setdefault(qid, Counter())[str(value)] += 1
        for dim in DIMENSIONS:
            key = "(none)" if row.get(dim) is None else str(row.get(dim))
            answered[dim][key] += 1
            slot = per[dim].setdefault(key, {})
            for qid, value in given.items():
                slot.setdefault(qid, []).append(value)
        for qid, value in given.items():
            ratings.setdefault(qid, []).append(value)
        if str(survey.get("comment") or "").strip():
            rank = (given.get(OVERALL) if OVERALL in given else
                    _mean([_normalised(v, scales[q]) for q, v in given.items()]))
            commented.append({"id": row["id"], "score": round(rank, 2) if rank is not None else None,
                              "comment": str(survey["comment"]), "method": survey.get("method"),
                              "group": row.get("group"), "category": row.get("category"),
                              "channel": row.get("channel"), "at": survey.get("at")})

    listed = question_figures(questions, scales, {qid: Counter(values) for qid, values in ratings.items()},
                              picked, language)
    rated = [e["id"] for e in listed if e["kind"] == "scale"]
    breakdowns = {}
    for dim in DIMENSIONS:
        table = {}
        for key, slots in per[dim].items():
            table[key] = {"responses": answered[dim][key],
                          "means": {qid: _mean(slots.get(qid, [])) for qid in rated}}
        breakdowns[f"by_{dim}"] = dict(sorted(table.items(), key=lambda kv: (-kv[1]["responses"], kv[0])))
    commented.sort(key=lambda c: (c["score"] if c["score"] is not None else 6, c["at"] or "", c["id"]))
    return {"responses": responses, "questions": listed, **breakdowns,
            "by_method": dict(sorted(methods.items(), key=lambda kv: (-kv[1], kv[0]))),
            "lowest_comments": commented[:LOWEST]}
