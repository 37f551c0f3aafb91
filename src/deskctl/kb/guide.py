"""Walk a flow from its start to an outcome, with answers given up front (`--answers`,
`--answer node=value`) or asked one by one through a callback (the terminal).

The walk is pure: it touches no ticket and runs nothing. The caller applies the outcome
afterwards, so a missing or wrong answer (exit 2) leaves nothing half done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deskctl.errors import BadInput
from deskctl.kb import text
from deskctl.kb.flows import Flow, Node

BACK = "\x00back"
QUIT = "\x00quit"

# Answers people type for yes and no, folded (the flows' languages and then some).
YES_WORDS = {"yes", "y", "true", "si", "sim", "da", "да", "oui", "ja"}
NO_WORDS = {"no", "n", "false", "non", "nu", "нет", "nein", "nao"}


class NeedAnswer(BadInput):
    """A question was reached with no answer given and nobody to ask (exit 2)."""

    def __init__(self, flow: Flow, node: Node):
        choices = "|".join(node.labels()) if node.answers else "TEXT"
        super().__init__(
            f"{flow.id}: question {node.id!r} needs an answer: {node.question}",
            f"answer it with --answer {node.id}={choices} or --answers, or run kb guide on a terminal",
        )
        self.node = node


@dataclass
class Step:
    node: str
    question: str
    answer: str

    def to_dict(self) -> dict[str, str]:
        return {"node": self.node, "question": self.question, "answer": self.answer}


@dataclass
class Walk:
    flow: Flow
    path: list[Step] = field(default_factory=list)
    outcome: Node | None = None
    stopped_at: Node | None = None  # the operator quit at this question

    def answers(self) -> dict[str, str]:
        return {step.node: step.answer for step in self.path}

    def summary(self) -> str:
        """One line for the ticket history: the answers and where they led."""
        steps = "; ".join(f"{s.node}={s.answer}" for s in self.path) or "no questions"
        return f"KB flow {self.flow.id}: {steps} -> {describe(self.outcome) if self.outcome else 'stopped'}"


def describe(node: Node) -> str:
    if node.kind == "article":
        return f"article {node.article}"
    if node.kind == "sop":
        return f"SOP {node.sop}"
    if node.kind == "escalate":
        return f"escalate to {node.group}" + (f" ({node.reason})" if node.reason else "")
    if node.kind == "resolve":
        return f"resolved: {node.resolution}"
    return node.kind


HELP_WORDS = {"?", "help"}  # reserved: no flow may use them as answers


def leads_to(flow: Flow, target: str | None, titles: dict[str, str] | None = None) -> str:
    """What an answer leads to, in a few words: the next question or the outcome."""
    node = flow.nodes.get(target or "")
    if node is None:
        return "nowhere (run deskctl kb lint)"
    if node.is_question:
        return f"next question: {node.question}"
    if node.kind == "article":
        title = (titles or {}).get(node.article.casefold())
        return f"read article {node.article}" + (f" ({title})" if title else "")
    if node.kind == "sop":
        return f"offer to run SOP {node.sop}"
    return describe(node)


def help_lines(flow: Flow, node: Node, path: list[Step], titles: dict[str, str] | None = None) -> list[str]:
    """The help shown for `?` at a question: what it asks, each answer and where it leads,
    and the keys that go back or quit."""
    lines = [f"Question {node.id!r} of flow {flow.id!r} ({flow.title}):", f"  {node.question}"]
    if node.note:
        lines.append(f"  Note: {node.note}")
    if node.answers:
        lines.append("Answers (type one, its number or an unambiguous start of it):")
        labels = node.labels()
        for number, label in enumerate(labels, 1):
            spelled = {"yes": "yes (y)", "no": "no (n)"}.get(label, label)
            lines.append(f"  {number}) {spelled} -> {leads_to(flow, node.target_of(label), titles)}")
    else:
        lines.append("Type the answer as text: it is kept for the SOP's parameters "
                     f"(answers['{node.id}']), then -> {leads_to(flow, node.next, titles)}")
    keys = []
    if path:
        keys.append(f"b = back to the previous question ({path[-1].question})")
    keys += ["q = quit (nothing is run; with --ticket the answers so far are recorded)", "? = this help"]
    lines.append("Keys:")
    lines += [f"  {key}" for key in keys]
    return lines


def match_answer(node: Node, given: str) -> str | None:
    """The answer label that `given` means: the label itself (any case or accents), yes/no in
    several languages, the number shown in the menu, or an unambiguous prefix."""
    wanted = text.fold(given.strip())
    if not wanted:
        return None
    labels = node.labels()
    folded = {text.fold(label): label for label in labels}
    if wanted in folded:
        return folded[wanted]
    if "yes" in folded and wanted in YES_WORDS:
        return folded["yes"]
    if "no" in folded and wanted in NO_WORDS:
        return folded["no"]
    if wanted.isdigit() and 1 <= int(wanted) <= len(labels):
        return labels[int(wanted) - 1]
    starts = [label for key, label in folded.items() if key.startswith(wanted)]
    return starts[0] if len(starts) == 1 else None


def check_keyed(flow: Flow, keyed: dict[str, str]) -> None:
    """Every --answer must name a question of the flow and a valid answer to it."""
    for node_id, value in keyed.items():
        node = flow.nodes.get(node_id)
        if node is None or not node.is_question:
            questions = ", ".join(n.id for n in flow.nodes.values() if n.is_question)
            raise BadInput(f"--answer {node_id}={value}: flow {flow.id!r} has no question {node_id!r}", f"its questions: {questions}")
        if node.answers and match_answer(node, value) is None:
            raise BadInput(f"--answer {node_id}={value}: not an answer to {node.question!r}", f"use one of: {', '.join(node.labels())}")


Asker = Callable[[Node, list[Step], str | None], str]


def walk(flow: Flow, *, answers: list[str] | None = None, keyed: dict[str, str] | None = None,
         ask: Asker | None = None) -> Walk:
    """Follow the flow from its start to an outcome.

    At each question: its `keyed` answer (first visit only), else the next of `answers`,
    else `ask(node, path, error)` (which may return BACK or QUIT), else NeedAnswer.
    """
    queue = list(answers or [])
    keyed = dict(keyed or {})
    check_keyed(flow, keyed)
    result = Walk(flow)
    current = flow.nodes[flow.start]
    error: str | None = None
    for _ in range(100 * (len(flow.nodes) + 1)):  # bounded: validated flows have no cycles
        if not current.is_question:
            result.outcome = current
            break
        if current.id in keyed:
            raw, source = keyed.pop(current.id), f"--answer {current.id}"
        elif queue:
            raw, source = queue.pop(0), "--answers"
        elif ask is not None:
            raw, source = ask(current, result.path, error), ""
            error = None
            if raw == QUIT:
                result.stopped_at = current
                return result
            if raw == BACK:
                if result.path:
                    current = flow.nodes[result.path.pop().node]
                else:
                    error = "this is the first question"
                continue
        else:
            raise NeedAnswer(flow, current)
        if current.answers:
            label = match_answer(current, raw)
            if label is None:
                problem = f"{raw!r} is not an answer to {current.id!r} (use one of: {', '.join(current.labels())})"
                if not source:
                    error = problem
                    continue
                raise BadInput(f"{source}: {problem}")
            result.path.append(Step(current.id, current.question, label))
            current = flow.nodes[current.target_of(label)]
        else:
            value = raw.strip()
            if not value:
                if not source:
                    error = "an answer is needed"
                    continue
                raise BadInput(f"{source}: empty answer to {current.id!r}")
            result.path.append(Step(current.id, current.question, value))
            current = flow.nodes[current.next]
    else:
        raise BadInput(f"{flow.id}: the flow does not reach an outcome", "run deskctl kb lint")
    if queue:
        raise BadInput(
            f"--answers: {len(queue)} answer(s) left over ({','.join(queue)}): flow {flow.id!r} "
            f"ended at {result.outcome.id!r} after {len(result.path)} question(s)",
            "give one answer per question on the way",
        )
    return result


def render_params(node: Node, walk_result: Walk, ticket: dict | None) -> tuple[dict[str, str], dict[str, str]]:
    """The SOP parameters of an outcome rendered with the ticket and the answers, and the
    ones that could not be rendered (name -> why), e.g. a ticket with no hostname."""
    rendered: dict[str, str] = {}
    missing: dict[str, str] = {}
    context: dict[str, Any] = {"answers": walk_result.answers(), "flow": {"id": walk_result.flow.id, "title": walk_result.flow.title}}
    if ticket is not None:
        context["ticket"] = ticket
    env = None
    for name, value in node.params.items():
        if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
            rendered[name] = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
            continue
        if env is None:
            from jinja2 import StrictUndefined
            from jinja2.sandbox import SandboxedEnvironment

            env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        try:
            out = env.from_string(value).render(context).strip()
        except Exception as exc:  # undefined values, sandbox refusals: report, never crash
            why = getattr(exc, "message", None) or str(exc)
            missing[name] = ("no ticket given (--ticket ID)" if ticket is None and "ticket" in why else why)
            continue
        if out:
            rendered[name] = out
        else:
            missing[name] = f"{value.strip()} is empty"
    return rendered, missing
