"""The `change` mapping of a CHG ticket: its allowed values and the steps between statuses."""

from __future__ import annotations

from typing import Any

RISKS = ("low", "medium", "high")
TYPES = ("standard", "normal", "emergency")
STATUSES = ("draft", "assessed", "submitted", "approved", "rejected", "implementing", "implemented",
            "failed", "verified", "closed")
IMPACT_KEYS = ("items", "services", "applications", "groups")

# step -> statuses it may start from
ALLOWED: dict[str, tuple[str, ...]] = {
    "assess": ("draft", "assessed", "rejected"),
    "submit": ("draft", "assessed", "rejected"),
    "approve": ("submitted",),
    "reject": ("submitted", "approved"),
    "implement": ("approved",),
    "verify": ("implemented",),
    "review": ("implemented", "failed", "verified"),
    "close": ("draft", "assessed", "rejected", "implemented", "failed", "verified"),
}
# steps that may also start from an `implementing` change whose implementation was abandoned
AFTER_ABANDONED = ("review", "close")
HINTS = {
    "draft": "assess it (`deskctl change assess ID`) or submit it (`deskctl change submit ID`)",
    "assessed": "submit it for approval: `deskctl change submit ID`",
    "submitted": "it waits for approval: `deskctl change approve ID` (an approver)",
    "approved": "implement it in its window: `deskctl change implement ID`",
    "rejected": "change and submit it again, or close it",
    "implementing": "it is being implemented now",
    "implemented": "verify it: `deskctl change verify ID`",
    "failed": "close it (`deskctl change close ID`) and open a new change",
    "verified": "close it: `deskctl change close ID`",
    "closed": "nothing: it is closed",
}


def new_change(**values: Any) -> dict[str, Any]:
    """A change with every key present (a stable shape for `--json` readers)."""
    change: dict[str, Any] = {
        "status": "draft", "type": "normal", "risk": "medium", "standard": None, "reason": "",
        "items": [], "impact": None, "plan": None, "rollback": None, "verification": None,
        "window": None, "round": 0, "approvals": [], "ci": None, "requested_by": None,
        "runs": [], "review": None, "announcement": None, "implementer": None,
    }
    change.update(values)
    return change


def abandoned(change: dict) -> str | None:
    """Why an `implementing` change will never finish by itself (the process implementing it
    on this machine was killed, or the machine went down), or None."""
    from deskctl.runbooks.records import process_gone

    who = change.get("implementer")
    if change.get("status") != "implementing" or not isinstance(who, dict) or not process_gone(who):
        return None
    return f"its implementation by process {who['pid']} on {who['node']} (since {who.get('since')}) ended without finishing"


def hint(change: dict, change_id: str) -> str:
    """What to do next with a change in its status (an abandoned implementation included)."""
    status = change["status"]
    who = change.get("implementer") if status == "implementing" else None
    if abandoned(change):
        text = ("the hosts may be half-changed: check them, then close it (`deskctl change close ID`, with "
                "`deskctl change review ID --note TEXT` first if you like) and open a new change to try again")
    elif isinstance(who, dict):
        text = f"it is being implemented now by process {who.get('pid')} on {who.get('node')} since {who.get('since')}"
    else:
        text = HINTS[status]
    return text.replace("ID", change_id)


def diff(before: dict, after: dict) -> dict[str, list]:
    """What changed, as `change.KEY` -> [old, new] (the ticket history's shape)."""
    return {f"change.{key}": [before.get(key), after.get(key)]
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)}
