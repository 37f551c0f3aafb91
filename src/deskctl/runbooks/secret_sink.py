"""Where a generated secret goes: shown once to the person who ran the SOP, or handed to
the command configured as `runbooks.secret_sink` (JSON on its stdin). Never stored."""

from __future__ import annotations

import json
import subprocess

from deskctl.errors import OperationFailed


def deliver(desk, record: dict, values: dict[str, str]) -> list[str]:
    """Hand `values` (param name -> secret) to the sink; returns lines to show the user
    instead, when no sink is configured."""
    if not values:
        return []
    sink = str((desk.setting("runbooks", default={}) or {}).get("secret_sink") or "").strip()
    if not sink:
        return [f"generated {name} for {', '.join(record['targets'])}: {value}" for name, value in values.items()]
    payload = json.dumps({"run_id": record["id"], "sop": record["sop"], "targets": record["targets"], "secrets": values})
    try:
        proc = subprocess.run(["/bin/sh", "-c", sink], input=payload, text=True, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OperationFailed(f"secret sink failed: {exc}") from None
    if proc.returncode != 0:
        raise OperationFailed(f"secret sink `{sink}` exited with {proc.returncode}", "the generated secret was not delivered; run the SOP again")
    return []
