"""Built-in `check_desk` for the ticket settings: classification rules and value lists."""

from __future__ import annotations

from deskctl.desk import Desk, yamlio
from deskctl.errors import BadInput
from deskctl.hookspecs import hookimpl
from deskctl.tickets.rules import rule_problems


@hookimpl
def check_desk(desk: Desk) -> list[str]:
    try:
        config = desk.config
    except BadInput:
        return []  # the core check reports the syntax error
    lines = yamlio.line_index(desk.config_file)
    label = desk.rel(desk.config_file)
    problems = [f"{label}:{lines.get(path, lines.get(path[:2], 1))}: {msg}"
                for path, msg in rule_problems(config.get("rules"))]
    tickets = config.get("tickets") or {}
    allowed = {
        "category": tickets.get("categories") or [], "priority": tickets.get("priorities") or [],
        "group": tickets.get("groups") or [], "service": tickets.get("services") or [],
        "type": list((tickets.get("types") or {}).keys()),
        "urgency": tickets.get("impact_levels") or [], "impact": tickets.get("impact_levels") or [],
    }
    for i, rule in enumerate(config.get("rules") or []):
        sets = rule.get("set") if isinstance(rule, dict) else None
        for key, value in (sets or {}).items():
            if key in allowed and value not in allowed[key]:
                line = lines.get(("rules", i, "set", key), 1)
                problems.append(f"{label}:{line}: rule sets {key} {value!r}, not one of: {', '.join(map(str, allowed[key]))}")
    matrix = tickets.get("priority_matrix") or {}
    for impact, row in matrix.items():
        for urgency, priority in (row or {}).items() if isinstance(row, dict) else []:
            if priority not in allowed["priority"]:
                line = lines.get(("tickets", "priority_matrix", impact, urgency), 1)
                problems.append(f"{label}:{line}: priority_matrix gives {priority!r}, not a priority")
    return problems
