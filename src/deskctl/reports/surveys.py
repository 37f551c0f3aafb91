"""Satisfaction surveys: which closed tickets the desk asks (deterministic sampling, every Nth
closed ticket, a delay and a window after closing), the desk's questionnaire, each requester's
consent, and recording a requester's answer (an overall score 1-5, answers per question, the
method and a comment) on the ticket, once per ticket.

Sampling hashes the ticket id and counts closed tickets in closing order, so every run, report
and machine agrees on who was asked without storing an invitation list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from deskctl.errors import BadInput
from deskctl.sla.policy import parse_percent
from deskctl.util import clock
from deskctl.util.durations import parse_duration

SCORES = range(1, 6)
METHODS = ["phone", "email", "online", "in-person"]


@dataclass
class Question:
    """One question of the questionnaire: a 1..`scale` rating, or one of `choices`."""

    id: str
    text: dict[str, str]  # language -> text
    scale: int = 5
    choices: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "choice" if self.choices else "scale"

    def text_in(self, language: str) -> str:
        return self.text.get(language) or next(iter(self.text.values()), self.id)

    def parse(self, raw: str) -> int | str:
        """An answer as typed -> its stored value; bad input names the question and the fix."""
        value = str(raw).strip()
        if self.choices:
            for choice in self.choices:
                if choice.casefold() == value.casefold():
                    return choice
            raise BadInput(f"--answer {self.id}={raw}: not one of the choices",
                           f"use one of: {', '.join(self.choices)}")
        try:
            number = int(value)
        except ValueError:
            number = 0
        if not 1 <= number <= self.scale:
            raise BadInput(f"--answer {self.id}={raw}: out of range",
                           f"give a whole number from 1 to {self.scale}")
        return number

    def to_dict(self) -> dict:
        return {"id": self.id, "text": dict(self.text), "kind": self.kind,
                **({"choices": list(self.choices)} if self.choices else {"scale": self.scale})}


@dataclass
class SurveySettings:
    sample: float = 1.0
    types: list[str] = field(default_factory=list)
    window: float | None = 14 * 86400.0
    once: bool = True
    every: int = 1
    delay: float = 0.0
    methods: list[str] = field(default_factory=lambda: list(METHODS))
    questions: list[Question] = field(default_factory=list)
    # set by prepare(): requesters whose last word was "no", and (every > 1) the ids chosen
    declined: dict[str, dict] = field(default_factory=dict)
    chosen: set[str] | None = None

    def prepare(self, rows: list[dict]) -> None:
        """Learn consent and the closing order from every summary row (active ones too: a
        requester may decline on an open ticket)."""
        self.declined = declined_requesters(rows)
        if self.every <= 1:
            self.chosen = None
            return
        closed = sorted((r for r in rows if r.get("status") == "closed" and r.get("closed_at")
                         and self._eligible(r)),
                        key=lambda r: (datetime.fromisoformat(r["closed_at"]).timestamp(), r["id"]))
        self.chosen = {r["id"] for n, r in enumerate(closed, start=1) if n % self.every == 0}

    def _eligible(self, row: dict) -> bool:
        if self.types and row.get("type") not in self.types:
            return False
        return requester_key(row.get("requester")) not in self.declined

    def sampled(self, row: dict) -> bool:
        """Was this ticket chosen for a survey? (type filter, consent, every Nth closed ticket,
        then the sampling share; consent and every-Nth once `prepare` has seen the rows)"""
        if not self._eligible(row):
            return False
        if self.chosen is not None and row["id"] not in self.chosen:
            return False
        if self.sample >= 1:
            return True
        return sample_bucket(row["id"]) < round(self.sample * 10000)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        import difflib

        ids = [q.id for q in self.questions]
        if not ids:
            raise BadInput(f"--answer {qid}=...: this desk has no questionnaire",
                           "add questions under surveys.questionnaire in config/deskctl.yaml, or give --score")
        close = difflib.get_close_matches(qid, ids, n=1, cutoff=0.6)
        raise BadInput(f"--answer {qid}=...: no such question",
                       (f"did you mean {close[0]!r}? " if close else "") + f"the questions are: {', '.join(ids)}")


def sample_bucket(ticket_id) -> int:
    """The ticket's place (0-9999) in the sampling share: the same on every run and machine."""
    digest = hashlib.sha1(str(ticket_id).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10000


def requester_key(requester) -> str:
    """A requester as consent is recorded for them: the e-mail (else name) of the summary row, any case."""
    if isinstance(requester, dict):
        requester = requester.get("email") or requester.get("name") or ""
    return str(requester or "").strip().casefold()


def declined_requesters(rows: list[dict]) -> dict[str, dict]:
    """requester -> the consent record saying no, for requesters whose latest record says no."""
    latest: dict[str, tuple[str, dict, str]] = {}
    for row in rows:
        consent = row.get("survey_consent")
        key = requester_key(row.get("requester"))
        if not isinstance(consent, dict) or not key:
            continue
        at = str(consent.get("at") or "")
        if key not in latest or at > latest[key][0]:
            latest[key] = (at, consent, row["id"])
    return {key: {**consent, "ticket": tid} for key, (_, consent, tid) in latest.items() if consent.get("given") is False}


def parse_sample(value) -> float:
    """`25%`, `0.25`, `0%` (nobody is asked) -> a share from 0 to 1."""
    if not isinstance(value, bool) and str(value).strip() in ("0", "0%", "0.0"):
        return 0.0
    return parse_percent(value)


def _question_problems(questions) -> list[tuple[tuple, str]]:
    if not isinstance(questions, list):
        return [(("surveys", "questionnaire"), "surveys.questionnaire must be a list of questions "
                 "like [{id: solved, text: {en: Was your problem solved?}, choices: [yes, partly, no]}]")]
    problems, seen = [], set()
    for i, q in enumerate(questions):
        where = ("surveys", "questionnaire", i)
        if not isinstance(q, dict) or not q.get("id") or not q.get("text"):
            problems.append((where, f"surveys.questionnaire[{i}] needs an id and a text (per language: {{en: ...}})"))
            continue
        qid = str(q["id"])
        if qid in seen or qid == "overall":
            problems.append((where, f"surveys.questionnaire[{i}]: question id {qid!r} is "
                                    + ("reserved for the overall score (--score)" if qid == "overall" else "used twice")))
        seen.add(qid)
        if "choices" in q and "scale" in q:
            problems.append((where, f"surveys.questionnaire[{i}] ({qid}): give a scale or choices, not both"))
        scale = q.get("scale", 5)
        if isinstance(scale, bool) or not isinstance(scale, int) or not 2 <= scale <= 10:
            problems.append((where, f"surveys.questionnaire[{i}] ({qid}): scale {scale!r} must be a whole number from 2 to 10"))
        choices = q.get("choices")
        if choices is not None and (not isinstance(choices, list) or len(choices) < 2):
            problems.append((where, f"surveys.questionnaire[{i}] ({qid}): choices must be a list of at least two answers"))
        unknown = sorted(set(q) - {"id", "text", "scale", "choices"})
        if unknown:
            problems.append((where, f"surveys.questionnaire[{i}] ({qid}): unknown key {unknown[0]!r} "
                                    "(known: id, text, scale, choices)"))
    return problems


def settings_problems(surveys) -> list[tuple[tuple, str]]:
    if not isinstance(surveys, dict):
        return [(("surveys",), "surveys must be a mapping like {sample: 25%, window: 14d}")]
    problems = []
    known = ("sample", "types", "window", "once", "every", "delay", "methods", "questionnaire")
    for key in sorted(set(surveys) - set(known)):
        problems.append((("surveys", key), f"unknown surveys setting {key!r} (known: {', '.join(known)})"))
    if "sample" in surveys:
        try:
            parse_sample(surveys["sample"])
        except (TypeError, ValueError):
            problems.append((("surveys", "sample"), f"surveys.sample {surveys['sample']!r} must be a share like 25% or 100%"))
    types = surveys.get("types", [])
    if not isinstance(types, list):
        problems.append((("surveys", "types"), "surveys.types must be a list of ticket types ([] = all)"))
    window = surveys.get("window")
    if window not in (None, False):
        try:
            parse_duration(window, "surveys.window")
        except BadInput as exc:
            problems.append((("surveys", "window"), exc.message + " (or false: no limit)"))
    if not isinstance(surveys.get("once", True), bool):
        problems.append((("surveys", "once"), "surveys.once must be true or false"))
    every = surveys.get("every", 1)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        problems.append((("surveys", "every"), f"surveys.every {every!r} must be a whole number from 1 (every closed ticket)"))
    if surveys.get("delay") not in (None, 0, False):
        try:
            parse_duration(surveys["delay"], "surveys.delay")
        except BadInput as exc:
            problems.append((("surveys", "delay"), exc.message))
    methods = surveys.get("methods", METHODS)
    if not isinstance(methods, list) or not methods or not all(isinstance(m, str) and m for m in methods):
        problems.append((("surveys", "methods"), "surveys.methods must be a list of names like [phone, email, online, in-person]"))
    problems += _question_problems(surveys.get("questionnaire") or [])
    return problems


def _question(raw: dict, default_language: str) -> Question:
    text = raw["text"]
    texts = {str(k): str(v) for k, v in text.items()} if isinstance(text, dict) else {default_language: str(text)}
    return Question(id=str(raw["id"]), text=texts, scale=int(raw.get("scale", 5)),
                    choices=[str(c) for c in raw.get("choices") or []])


def load_settings(desk) -> SurveySettings:
    raw = desk.setting("surveys", default={}) or {}
    found = settings_problems(raw)
    if found:
        raise BadInput(f"{desk.rel(desk.config_file)}: {found[0][1]}", "run `deskctl config check`")
    sample = raw.get("sample", "100%")
    window = raw.get("window", "14d")
    delay = raw.get("delay", 0)
    language = str(desk.setting("default_language", default="en"))
    return SurveySettings(
        sample=parse_sample(sample),
        types=[str(t) for t in raw.get("types") or []],
        window=None if window in (None, False) else parse_duration(window, "surveys.window"),
        once=bool(raw.get("once", True)),
        every=int(raw.get("every", 1)),
        delay=0.0 if delay in (None, 0, False) else parse_duration(delay, "surveys.delay"),
        methods=[str(m) for m in raw.get("methods") or METHODS],
        questions=[_question(q, language) for q in raw.get("questionnaire") or []],
    )


def _rows_of_requester(desk, key: str) -> list[dict]:
    from deskctl.store import open_store
    from deskctl.store.interface import RowQuery

    rows = open_store(desk).select(RowQuery(requester=key))
    return [r for r in rows if requester_key(r.get("requester")) == key]


def check_consent(desk, ticket: dict) -> None:
    """A requester who declined surveys (their latest consent record says no) is never asked."""
    key = requester_key(ticket.get("requester"))
    if not key:
        return
    declined = declined_requesters(_rows_of_requester(desk, key))
    if key in declined:
        said = declined[key]
        raise BadInput(f"{ticket['id']}: requester {key} declined surveys "
                       f"(recorded on {said['ticket']}, {str(said.get('at'))[:10]})",
                       f"no survey for them; if they agree again, record it with "
                       f"`deskctl ticket survey {ticket['id']} --consent`")


def record_consent(desk, ticket_id: str, *, actor: str, given: bool, note: str = "") -> dict:
    """Record on the ticket that its requester agreed to (or declined) satisfaction surveys;
    the latest record of a requester, on any of their tickets, holds for all of them."""
    from deskctl.tickets import lifecycle, operations

    def change(ticket, now):
        key = requester_key(ticket.get("requester"))
        if not key:
            raise BadInput(f"{ticket['id']} has no requester to record consent for",
                           "set one with `deskctl ticket update ID --requester-email ADDRESS`")
        consent = {"given": given, "at": now, "actor": actor, "requester": key}
        changes = lifecycle.apply_changes(ticket, {"survey_consent": consent})
        text = note or f"requester {key} {'agreed to' if given else 'declined'} satisfaction surveys"
        return lifecycle.record(ticket, at=now, actor=actor, action="survey-consent", changes=changes, note=text)

    return operations.change_ticket(desk, ticket_id, actor, "event", change)


def record(desk, ticket_id: str, *, actor: str, score: int | None = None, comment: str = "",
           answers: dict | None = None, method: str | None = None) -> dict:
    """Store the requester's answer on a resolved or closed ticket (history event `survey`):
    the overall `score` (1-5) and/or `answers` (question id -> value as typed) of the desk's
    questionnaire, how it was asked (`method`) and a comment."""
    from deskctl.tickets import lifecycle, operations

    if score is not None and score not in SCORES:
        raise BadInput(f"score {score} is out of range", "give a score from 1 (very unhappy) to 5 (very happy)")
    settings = load_settings(desk)
    parsed = {qid: settings.question(qid).parse(raw) for qid, raw in (answers or {}).items()}
    if score is None and not parsed:
        raise BadInput("no answer given", "give --score N (overall, 1-5) and/or --answer QUESTION=VALUE"
                       + (f" (questions: {', '.join(q.id for q in settings.questions)})" if settings.questions else ""))
    if method is not None and method not in settings.methods:
        raise BadInput(f"--method {method!r} is not valid", f"use one of: {', '.join(settings.methods)}")
    check_consent(desk, operations.get_ticket(desk, ticket_id))  # before the lock: nothing written

    def change(ticket, now):
        previous = ticket.get("survey")
        if previous and settings.once:
            shown = f"score {previous.get('score')}" if previous.get("score") is not None else "answers"
            raise BadInput(f"{ticket['id']} already has a survey answer ({shown} "
                           f"on {str(previous.get('at'))[:10]})",
                           "one answer per ticket (set surveys.once: false to allow updates)")
        survey: dict = {"score": score, "comment": comment or "", "at": now, "actor": actor}
        if parsed:
            survey["answers"] = parsed
        if method:
            survey["method"] = method
        changes = lifecycle.apply_changes(ticket, {"survey": survey})
        parts = ([f"satisfaction {score}/5"] if score is not None else []) + [f"{k} {v}" for k, v in parsed.items()]
        note = ", ".join(parts) + (f" ({method})" if method else "") + (f": {comment}" if comment else "")
        return lifecycle.record(ticket, at=now, actor=actor, action="survey", changes=changes, note=note)

    # one transaction with the lifecycle check (resolved or closed only) and a fresh read
    return operations.change_ticket(desk, ticket_id, actor, "survey", change)


def pending(desk, *, include_expired: bool = False) -> list[dict]:
    """Closed tickets chosen for a survey that have no answer yet, oldest closing first:
    never one whose requester declined, none sooner than `delay` or (unless
    `include_expired`) later than `window` after closing."""
    from deskctl.store import open_store
    from deskctl.util import jsoncodec

    jsoncodec.use_orjson()  # closed and archived indexes: large files
    settings = load_settings(desk)
    now = clock.now()
    rows = open_store(desk).rows(active=True, closed=True, archived=True)
    settings.prepare(rows)
    found = []
    for row in rows:
        if row.get("survey") or not row.get("closed_at") or row.get("status") != "closed" or not settings.sampled(row):
            continue
        age = (now - datetime.fromisoformat(row["closed_at"])).total_seconds()
        if age < 0 or age < settings.delay:
            continue
        if settings.window is not None and age > settings.window and not include_expired:
            continue
        found.append({**row, "closed_seconds_ago": int(age)})
    found.sort(key=lambda r: (r["closed_at"], r["id"]))
    return found
