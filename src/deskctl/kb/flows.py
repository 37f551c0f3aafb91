"""Troubleshooting flows: YAML decision trees in `kb/flows/*.yaml`.

```yaml
id: no-network
title: The user has no network connection
start: cable
nodes:
  cable:
    ask: Is the network cable plugged in, or Wi-Fi switched on?
    answers: {no: fix-cable, yes: others}     # unquoted yes/no are booleans to YAML: both work
  fix-cable: {article: KB-network-cable}
  others:   {ask: Do colleagues nearby have the same problem?, answers: {yes: outage, no: diagnose}}
  outage:   {escalate: {group: network, reason: Possible network outage}}
  diagnose: {sop: network-diagnostics, params: {target: "{{ ticket.system.hostname }}"}}
```
A node is one question (`ask` with `answers`, or with `next` for a free-text answer) or one
outcome (`article`, `sop` + `params`, `escalate`, `resolve`). Reading checks the structure
and reports every problem as `file:line: message`; `flow_check` adds the graph and the
references to articles, SOPs and groups.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput, NotFound

FLOWS_DIR = os.path.join("kb", "flows")
KINDS = ("ask", "article", "sop", "escalate", "resolve")
NODE_KEYS = {
    "ask": {"ask", "answers", "next", "note"},
    "article": {"article", "note"},
    "sop": {"sop", "params", "note"},
    "escalate": {"escalate", "note"},
    "resolve": {"resolve", "note"},
}
TOP_KEYS = {"id", "title", "description", "language", "tags", "start", "nodes"}
# Words the interactive guide reserves for itself, and the separator of --answers.
RESERVED_ANSWERS = {"b", "back", "q", "quit", "?", "help"}


@dataclass
class Answer:
    label: str  # "yes", "no" or the choice as written
    target: str | None
    key: Any  # the key as YAML read it (True for an unquoted yes), to find its line


@dataclass
class Node:
    id: str
    kind: str
    line: int
    question: str = ""
    answers: list[Answer] = field(default_factory=list)
    next: str | None = None  # free-text question: where to go after the answer
    article: str = ""
    sop: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    reason: str = ""
    resolution: str = ""
    note: str = ""

    @property
    def is_question(self) -> bool:
        return self.kind == "ask"

    def targets(self) -> list[tuple[str | None, str]]:
        """(target, what leads there) for every way out of this node."""
        if self.next is not None:
            return [(self.next, "next")]
        return [(a.target, f"answer {a.label!r}") for a in self.answers]

    def labels(self) -> list[str]:
        """Answer labels as menus show them: yes before no, then the rest as written."""
        rank = {"yes": 0, "no": 1}
        return [a.label for a in sorted(self.answers, key=lambda a: rank.get(a.label, 2))]

    def target_of(self, label: str) -> str | None:
        for answer in self.answers:
            if answer.label == label:
                return answer.target
        return None


@dataclass
class Flow:
    id: str
    title: str
    language: str
    start: str
    nodes: dict[str, Node]
    path: Path
    label: str  # the path as shown in messages
    lines: dict[tuple, int]
    description: str = ""

    def line(self, *keypath: Any) -> int:
        """The line of a key path, or of its deepest existing parent."""
        for end in range(len(keypath), 0, -1):
            found = self.lines.get(tuple(keypath[:end]))
            if found:
                return found
        return 1

    def where(self, *keypath: Any) -> str:
        return f"{self.label}:{self.line(*keypath)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "language": self.language,
            "start": self.start,
            "path": self.label,
            "questions": sum(1 for n in self.nodes.values() if n.is_question),
            "outcomes": sum(1 for n in self.nodes.values() if not n.is_question),
        }


def answer_label(key: Any) -> str:
    """YAML reads unquoted yes/no (and true/false, on/off) as booleans: show them as yes/no."""
    if key is True:
        return "yes"
    if key is False:
        return "no"
    return str(key).strip()


def flows_dir(desk) -> Path:
    return desk.path / FLOWS_DIR


def flow_files(desk) -> list[Path]:
    folder = flows_dir(desk)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_flow(desk, path: Path) -> tuple[Flow | None, list[str]]:
    """The flow in `path` and every structural problem in it (`file:line: message`).

    Returns no flow only when the file cannot be used at all (syntax, not a mapping).
    """
    from deskctl.desk import yamlio

    label = desk.rel(path)
    try:
        data = yamlio.load(path, label, use_cache=False)
    except BadInput as exc:
        return None, [exc.message]
    if not isinstance(data, dict):
        return None, [f"{label}:1: a flow must be a mapping with id:, title:, start: and nodes:"]
    lines = yamlio.line_index(path)
    problems: list[str] = []

    def report(keypath: tuple, message: str) -> None:
        line = 1
        for end in range(len(keypath), 0, -1):
            if keypath[:end] in lines:
                line = lines[keypath[:end]]
                break
        problems.append(f"{label}:{line}: {message}")

    for key in data:
        if key not in TOP_KEYS:
            report((key,), f"unknown key {key!r} (known: {', '.join(sorted(TOP_KEYS))})")
    flow_id = data.get("id", path.stem)
    if not isinstance(flow_id, str) or not flow_id.strip():
        report(("id",), "id must be text")
        flow_id = path.stem
    elif flow_id != path.stem:
        report(("id",), f"id {flow_id!r} differs from the file name {path.name!r}: rename one so `kb guide` finds it")
    title = data.get("title")
    if not _text(title):
        report(("title",) if "title" in data else (), "a flow needs a title: (what the operator sees first)")
    language = data.get("language")
    languages = desk.setting("languages", default=[]) or []
    if language is not None and (not isinstance(language, str) or (languages and language not in languages)):
        report(("language",), f"language {language!r} is not one of the desk's languages ({', '.join(languages)})")
    nodes_raw = data.get("nodes")
    nodes: dict[str, Node] = {}
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        report(("nodes",) if "nodes" in data else (), "a flow needs nodes: (a mapping of node id -> question or outcome)")
    else:
        for node_id, raw in nodes_raw.items():
            node = _read_node(str(node_id), raw, node_id, report)
            if node is not None:
                node.line = lines.get(("nodes", node_id), 1)
                nodes[node.id] = node
    start = data.get("start")
    if not _text(start):
        report(("start",) if "start" in data else (), "a flow needs start: naming its first node")
        start = ""
    elif nodes and start not in nodes and isinstance(nodes_raw, dict) and start not in map(str, nodes_raw):
        report(("start",), f"start {start!r} is not a node (nodes: {_names(nodes)})")
    flow = Flow(
        id=flow_id.strip(),
        title=_text(title) or flow_id,
        language=language if isinstance(language, str) else str(desk.setting("default_language", default="en")),
        start=str(start).strip(),
        nodes=nodes,
        path=path,
        label=label,
        lines=lines,
        description=_text(data.get("description")),
    )
    return flow, problems


def _names(nodes: dict) -> str:
    names = list(nodes)
    return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")


def _read_node(node_id: str, raw: Any, key: Any, report) -> Node | None:
    where = ("nodes", key)
    if not isinstance(raw, dict):
        report(where, f"node {node_id!r} must be a mapping (ask: + answers:, or article:, sop:, escalate:, resolve:)")
        return None
    kinds = [k for k in KINDS if k in raw]
    if not kinds:
        report(where, f"node {node_id!r} does nothing: give it ask: with answers:, or one outcome: article:, sop:, escalate: or resolve:")
        return None
    if len(kinds) > 1:
        report(where + (kinds[1],), f"node {node_id!r} mixes {' and '.join(kinds)}: a node is one question or one outcome")
    kind = kinds[0]
    for extra in raw:
        if extra not in NODE_KEYS[kind]:
            if extra in KINDS:
                continue  # already reported as a mix
            report(where + (extra,), f"unknown key {extra!r} in {kind} node {node_id!r} (known: {', '.join(sorted(NODE_KEYS[kind]))})")
    node = Node(id=node_id, kind=kind, line=1, note=_text(raw.get("note")))
    value = raw[kind]
    if kind == "ask":
        _read_question(node, raw, where, report)
    elif kind == "article":
        node.article = _text(value)
        if not node.article:
            report(where + ("article",), f"article of node {node_id!r} must be an article id (e.g. KB-printer-offline)")
    elif kind == "sop":
        node.sop = _text(value)
        if not node.sop:
            report(where + ("sop",), f"sop of node {node_id!r} must be a SOP name (a file in sops/)")
        params = raw.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            report(where + ("params",), f"params of node {node_id!r} must be a mapping of name: value")
            params = {}
        for name, param in params.items():
            if isinstance(param, dict | list):
                report(where + ("params", name), f"parameter {name!r} of node {node_id!r} must be a single value")
        node.params = {str(k): v for k, v in params.items() if not isinstance(v, dict | list)}
    elif kind == "escalate":
        if isinstance(value, str):
            value = {"group": value}
        if not isinstance(value, dict):
            report(where + ("escalate",), f"escalate of node {node_id!r} must be {{group: GROUP, reason: TEXT}}")
            value = {}
        for extra in value:
            if extra not in ("group", "reason"):
                report(where + ("escalate", extra), f"unknown key {extra!r} in escalate (known: group, reason)")
        node.group = _text(value.get("group"))
        node.reason = _text(value.get("reason"))
        if not node.group and isinstance(raw.get("escalate"), dict | str):
            report(where + ("escalate",), f"escalate of node {node_id!r} needs group: (the team to hand over to)")
    elif kind == "resolve":
        node.resolution = _text(value)
        if not node.resolution:
            report(where + ("resolve",), f"resolve of node {node_id!r} must be the resolution text")
    return node


def _read_question(node: Node, raw: dict, where: tuple, report) -> None:
    node.question = _text(raw.get("ask"))
    if not node.question:
        report(where + ("ask",), f"ask of node {node.id!r} must be the question text")
    answers = raw.get("answers")
    has_next = "next" in raw
    if has_next and answers is not None:
        report(where + ("next",), f"node {node.id!r} has both answers: and next: (choices, or a free-text answer: pick one)")
    if has_next:
        target = raw.get("next")
        node.next = target.strip() if isinstance(target, str) and target.strip() else ""
        return
    if not isinstance(answers, dict) or not answers:
        report(where + (("answers",) if "answers" in raw else ()),
               f"question {node.id!r} needs answers: (e.g. {{yes: NODE, no: NODE}}) or next: NODE for a free-text answer")
        return
    seen: set[str] = set()
    for key, target in answers.items():
        label = answer_label(key)
        folded = label.casefold()
        if folded in seen:
            report(where + ("answers", key), f"answer {label!r} of node {node.id!r} is given twice")
        seen.add(folded)
        if not label or "," in label or folded in RESERVED_ANSWERS:
            report(where + ("answers", key),
                   f"answer {label!r} of node {node.id!r} cannot be used: answers may not contain a comma "
                   f"or be one of {', '.join(sorted(RESERVED_ANSWERS))}")
        node.answers.append(Answer(label, target.strip() if isinstance(target, str) and target.strip() else None, key))


def find_flow_file(desk, flow_id: str) -> Path:
    """The file of flow `flow_id` (its file name, or the id inside it)."""
    wanted = flow_id.strip()
    files = flow_files(desk)
    for path in files:
        if path.stem == wanted:
            return path
    for path in files:
        if path.stem.casefold() == wanted.casefold():
            return path
    import difflib

    names = [p.stem for p in files]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    hint = ("did you mean " + ", ".join(close) + "?") if close else (
        f"flows here: {', '.join(names)}" if names else f"add one in {FLOWS_DIR}/ (see docs/kb.md)")
    raise NotFound(f"no KB flow {flow_id!r}", hint)
