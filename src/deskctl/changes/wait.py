"""Waiting for a change's decision (a pipeline gating its deploy on it): poll the store."""

from __future__ import annotations

import time
from collections.abc import Callable

from deskctl.changes.workflow import change_of, get

APPROVED = frozenset({"approved", "implementing", "implemented", "verified"})
REJECTED = frozenset({"rejected", "failed", "closed"})


def wait_for_decision(desk, change_id: str, *, timeout: float, poll: float = 2.0,
                      on_status: Callable[[str, dict], None] | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> str:
    """"approved", "rejected" or "timeout"; `on_status(status, change)` each time it changes."""
    deadline = time.monotonic() + timeout
    poll = max(poll, 0.05)
    seen = None
    for _ in range(int(timeout / poll) + 2):  # bounded: one read per poll, plus the first and last
        change = change_of(get(desk, change_id))
        if change["status"] != seen:
            seen = change["status"]
            if on_status is not None:
                on_status(seen, change)
        if seen in APPROVED:
            return "approved"
        if seen in REJECTED:
            return "rejected"
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sleep(min(poll, left))
    return "timeout"
