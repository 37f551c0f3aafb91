"""Validation of flows beyond their structure: answers that lead nowhere, unreachable nodes,
cycles, and references to articles, SOPs and groups that do not exist. Every problem is
`file:line: message`."""

from __future__ import annotations

import re
from typing import Any

from deskctl.kb.flows import Flow, flow_files, read_flow

TEMPLATE_NAMES = {"ticket", "answers", "flow"}


def sop_exists(desk, name: str) -> bool:
    # a SOP name as `sop run` takes it (runbooks.loader.NAME_RE): never a path out of sops/
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        return False
    folder = desk.path / "sops"
    return any((folder / f"{name}{suffix}").is_file() for suffix in (".yaml", ".yml"))


def desk_groups(desk) -> list[str]:
    groups = desk.setting("tickets", "groups", default=[]) or []
    return [str(g) for g in groups] if isinstance(groups, list) else []


def check_graph(flow: Flow) -> list[str]:
    problems: list[str] = []
    nodes = flow.nodes
    for node in nodes.values():
        for target, how in node.targets():
            keypath = _exit_keypath(node, how)
            if not target:
                problems.append(f"{flow.where(*keypath)}: {how} of node {node.id!r} leads nowhere (name the node it leads to)")
            elif target not in nodes:
                problems.append(
                    f"{flow.where(*keypath)}: {how} of node {node.id!r} leads nowhere: {target!r} is not a node of this flow"
                )
            elif target == node.id:
                problems.append(f"{flow.where(*keypath)}: cycle: {how} of node {node.id!r} leads back to itself")
    if flow.start not in nodes:
        return problems
    reachable = _reachable(flow)
    for node in nodes.values():
        if node.id not in reachable:
            problems.append(f"{flow.label}:{node.line}: node {node.id!r} is unreachable: no answer from start {flow.start!r} leads to it")
    problems += _cycles(flow)
    return problems


def _exit_keypath(node, how: str) -> tuple:
    if how == "next":
        return ("nodes", node.id, "next")
    for answer in node.answers:
        if how == f"answer {answer.label!r}":
            return ("nodes", node.id, "answers", answer.key)
    return ("nodes", node.id)


def _reachable(flow: Flow) -> set[str]:
    seen = {flow.start}
    pending = [flow.start]
    while pending:
        node = flow.nodes[pending.pop()]
        for target, _ in node.targets():
            if target in flow.nodes and target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def _cycles(flow: Flow) -> list[str]:
    """One problem per answer that leads back to a node already on the way (a back edge)."""
    nodes = flow.nodes
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    problems: list[str] = []
    order = [flow.start, *[n for n in nodes if n != flow.start]]
    for root in order:
        if root in state:
            continue
        path: list[str] = [root]
        exits: list[list[tuple[str, str]]] = [list(nodes[root].targets())]
        state[root] = 1
        while path:  # iterative DFS: flows can be deep, recursion limits are not our business
            if not exits[-1]:
                state[path.pop()] = 2
                exits.pop()
                continue
            target, how = exits[-1].pop(0)
            if target not in nodes or target == path[-1]:
                continue  # reported as leading nowhere / to itself
            if state.get(target) == 1:
                loop = path[path.index(target) :] + [target]
                node = nodes[path[-1]]
                problems.append(
                    f"{flow.where(*_exit_keypath(node, how))}: cycle: {' -> '.join(loop)} "
                    f"({how} of node {node.id!r} leads back to {target!r}; a flow must always move towards an outcome)"
                )
            elif target not in state:
                state[target] = 1
                path.append(target)
                exits.append(list(nodes[target].targets()))
    return problems


def check_references(desk, flow: Flow, article_ids: set[str] | None) -> list[str]:
    return [problem for found in broken_outcomes(desk, flow, article_ids).values() for problem in found]


def broken_outcomes(desk, flow: Flow, article_ids: set[str] | None) -> dict[str, list[str]]:
    """Node id -> problems with the article, SOP, parameters or group that outcome names."""
    found: dict[str, list[str]] = {}
    groups = desk_groups(desk)
    for node in flow.nodes.values():
        problems = found.setdefault(node.id, [])
        where = ("nodes", node.id)
        if node.kind == "article" and node.article and article_ids is not None:
            if node.article.casefold() not in article_ids:
                problems.append(f"{flow.where(*where, 'article')}: article {node.article!r} of node {node.id!r} does not exist in kb/articles/")
        elif node.kind == "sop" and node.sop:
            if not sop_exists(desk, node.sop):
                problems.append(f"{flow.where(*where, 'sop')}: SOP {node.sop!r} of node {node.id!r} does not exist (no sops/{node.sop}.yaml)")
            problems += _check_params(flow, node)
        elif node.kind == "escalate" and node.group and groups and node.group not in groups:
            problems.append(
                f"{flow.where(*where, 'escalate', 'group')}: group {node.group!r} of node {node.id!r} is not a group of this desk "
                f"({', '.join(groups)}; see tickets.groups in config/deskctl.yaml)"
            )
    return {node_id: problems for node_id, problems in found.items() if problems}


def _check_params(flow: Flow, node) -> list[str]:
    templated = {k: v for k, v in node.params.items() if isinstance(v, str) and ("{{" in v or "{%" in v)}
    if not templated:
        return []
    from jinja2 import TemplateSyntaxError, meta
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment()
    problems = []
    for name, value in templated.items():
        where = flow.where("nodes", node.id, "params", name)
        try:
            parsed = env.parse(value)
        except TemplateSyntaxError as exc:
            problems.append(f"{where}: parameter {name!r} of node {node.id!r}: template error: {exc.message}")
            continue
        unknown = sorted(meta.find_undeclared_variables(parsed) - TEMPLATE_NAMES)
        if unknown:
            problems.append(
                f"{where}: parameter {name!r} of node {node.id!r} uses {', '.join(unknown)}: "
                f"templates may use {', '.join(sorted(TEMPLATE_NAMES))} (e.g. ticket.system.hostname, answers['node-id'])"
            )
    return problems


def check_flows(desk, article_ids: set[str] | None, *, syntax: bool = True) -> tuple[list[str], list[Flow]]:
    """Problems in every flow of the desk, and the flows that could be read."""
    problems: list[str] = []
    flows: list[Flow] = []
    seen: dict[str, Any] = {}
    for path in flow_files(desk):
        flow, found = read_flow(desk, path)
        if flow is None:
            if syntax:
                problems += found
            continue
        problems += found + check_graph(flow) + check_references(desk, flow, article_ids)
        key = flow.id.casefold()
        if key in seen:
            problems.append(f"{flow.where('id')}: flow id {flow.id!r} is also used by {seen[key]}")
        else:
            seen[key] = flow.label
        flows.append(flow)
    return problems, flows


def validate_flow(desk, flow: Flow, problems: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(problems that make the flow unwalkable, problems with what it refers to) for one flow.

    A missing article, SOP or group breaks only the outcome that names it: the operator can
    still walk the rest of the flow, and is told if the walk ends there.
    """
    from deskctl.kb.index import load_index

    ids = {doc_id.casefold() for doc_id in load_index(desk).ids()}
    return problems + check_graph(flow), broken_outcomes(desk, flow, ids)
