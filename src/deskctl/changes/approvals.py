"""Who may approve a change, and when it has enough approvals (the change advisory board).

The rules mirror announcements (`announcements.roles`): per risk a list of alternatives,
each a mapping role -> how many distinct people of that role (`changes.approvals`). An
emergency change needs fewer before (`changes.emergency_approvals`) and a review after.
"""

from __future__ import annotations

from typing import Any

from deskctl.announcements.roles import describe, satisfied

DEFAULT_APPROVALS: dict[str, list[dict[str, int]]] = {
    "low": [{"manager": 1}],
    "medium": [{"manager": 1}, {"head": 1}],
    "high": [{"manager": 2}, {"head": 1}],
}
DEFAULT_EMERGENCY: list[dict[str, int]] = [{"manager": 1}, {"head": 1}]

__all__ = ["describe", "roles_needed", "rules_for", "satisfied", "valid"]


def _clean(rules: Any) -> list[dict[str, int]]:
    if isinstance(rules, dict):  # one alternative written as a mapping
        rules = [rules]
    return [{str(r): int(n) for r, n in alt.items()} for alt in rules or [] if isinstance(alt, dict)]


def rules_for(desk, change: dict) -> list[dict[str, int]]:
    """The alternatives that approve `change` (its risk, or the emergency rule)."""
    if change.get("type") == "emergency":
        return _clean(desk.setting("changes", "emergency_approvals", default=None)) or DEFAULT_EMERGENCY
    risk = str(change.get("risk") or "medium")
    configured = _clean(desk.setting("changes", "approvals", risk, default=None))
    return configured or DEFAULT_APPROVALS.get(risk) or DEFAULT_APPROVALS["high"]


def roles_needed(rules: list[dict[str, int]]) -> set[str]:
    return {role for alternative in rules for role in alternative}


def valid(change: dict) -> list[dict]:
    """Approvals of the current round (a rejection or a new submission starts another)."""
    return [a for a in change.get("approvals") or []
            if a.get("decision") == "approved" and a.get("round") == change.get("round")]
