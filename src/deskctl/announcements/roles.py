"""Who may approve an announcement, and when it has enough approvals.

Roles come from the desk's `roles:` section (role -> list of actor names). The approvals an
announcement needs depend on its severity (`announcements.approvals`): a list of
alternatives, each a mapping role -> how many distinct people of that role, e.g. the
default for `major` is "two managers, or one head of the desk".
"""

from __future__ import annotations

from typing import Any

DEFAULT_APPROVALS: dict[str, list[dict[str, int]]] = {
    "minor": [{"manager": 1}, {"head": 1}],
    "major": [{"manager": 2}, {"head": 1}],
}


def roles_of(config: dict, actor: str) -> list[str]:
    """The roles `actor` holds (names compared case-insensitively)."""
    roles = config.get("roles") or {}
    if not isinstance(roles, dict):
        return []
    wanted = actor.strip().lower()
    return sorted(
        str(role)
        for role, members in roles.items()
        if isinstance(members, list) and wanted in {str(m).strip().lower() for m in members}
    )


def rules_for(config: dict, severity: str) -> list[dict[str, int]]:
    configured = ((config.get("announcements") or {}).get("approvals") or {}).get(severity)
    rules = configured if isinstance(configured, list) and configured else DEFAULT_APPROVALS.get(severity)
    rules = rules or DEFAULT_APPROVALS["minor"]
    return [{str(r): int(n) for r, n in alt.items()} for alt in rules if isinstance(alt, dict)]


def approving_roles(config: dict, severity: str) -> set[str]:
    return {role for alternative in rules_for(config, severity) for role in alternative}


def describe(rules: list[dict[str, int]]) -> str:
    """"2 managers, or 1 head"."""
    return ", or ".join(" and ".join(f"{n} {role}{'s' if n > 1 else ''}" for role, n in alt.items()) for alt in rules)


def satisfied(rules: list[dict[str, int]], approvals: list[dict[str, Any]]) -> bool:
    """True when one alternative is met by distinct approvers (one person counts once)."""
    for alternative in rules:
        used: set[str] = set()
        ok = True
        # scarcest role first, so a person holding two roles is spent where it matters
        for role, needed in sorted(alternative.items(), key=lambda item: item[1]):
            holders = [a["actor"] for a in approvals if role in a.get("roles", []) and a["actor"] not in used]
            holders = list(dict.fromkeys(holders))
            if len(holders) < needed:
                ok = False
                break
            used.update(holders[:needed])
        if ok:
            return True
    return False
