"""Running the SOP a flow ends in: a subprocess of `deskctl sop run`, with the same desk and
actor, so exactly the same validation, confirmation, locking and redaction rules apply as
when the operator types the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any


@dataclass
class SopRun:
    command: list[str]
    exit_code: int
    result: Any = None  # the JSON document of `sop run --json`, when captured

    def to_dict(self) -> dict[str, Any]:
        return {"command": ["deskctl", *self.command[3:]], "exit_code": self.exit_code, "result": self.result}


# Parameter types that choose what a SOP acts on as root: never taken from a ticket unconfirmed
CONFIRMED_TYPES = ("account", "user", "path")


def needs_confirmation(desk, plugins, node) -> dict[str, Any]:
    """The flow's SOP parameters an operator must confirm when the flow fills them from the
    ticket (requester data): accounts, users, paths, and whatever chooses the target hosts.
    name -> the SOP's Param (None when the SOP cannot be read: then every templated one)."""
    templated = [k for k, v in node.params.items() if isinstance(v, str) and ("{{" in v or "{%" in v)]
    if not templated:
        return {}
    from deskctl.errors import DeskError
    from deskctl.runbooks import templating
    from deskctl.runbooks.engine import library_for

    try:
        runbook = library_for(desk, plugins).load(node.sop)
    except DeskError:
        return dict.fromkeys(templated)
    targets = runbook.targets if isinstance(runbook.targets, list) else [runbook.targets]
    in_targets: set[str] = set()
    for item in targets:
        if templating.is_template(item):
            in_targets |= templating.undeclared(str(item), "text")[0]
    found: dict[str, Any] = {}
    for name in templated:
        param = runbook.params.get(name)
        if param is None or param.type in CONFIRMED_TYPES or name in in_targets:
            found[name] = param
    return found


def suggestion_problem(param, value: str) -> str | None:
    """Why a value suggested by the ticket cannot even be offered (a protected account, a
    denied path), or None."""
    if param is None:
        return None
    from deskctl.runbooks.params import coerce

    return coerce(param, value)[1]


def sop_command(desk, *, actor: str, name: str, params: dict[str, str], ticket_id: str | None,
                assume_yes: bool, as_json: bool) -> list[str]:
    argv = [sys.executable, "-m", "deskctl", "--desk", str(desk.path), "--actor", actor, "sop", "run", name]
    for key, value in params.items():
        argv += ["-p", f"{key}={value}"]
    if ticket_id:
        argv += ["--ticket", ticket_id]
    if assume_yes:
        argv.append("--yes")
    if as_json:
        argv.append("--json")
    return argv


def shown_command(argv: list[str], missing: dict[str, str] | None = None) -> str:
    """The command as the operator would type it in this desk (no --desk/--actor), with a
    placeholder for each parameter still to be given."""
    import shlex

    words = argv[7:] if argv[3:4] == ["--desk"] and argv[5:6] == ["--actor"] else argv[3:]
    for key in missing or {}:
        words = [*words[:3], "-p", f"{key}=VALUE", *words[3:]]
    return "deskctl " + " ".join(shlex.quote(a) for a in words)


def run_sop(argv: list[str], *, capture: bool) -> SopRun:
    """Run it; the terminal sees its progress. With `capture`, its JSON output is kept.
    While it runs, a Ctrl-C is the child's to handle (it reaches it from the terminal and
    the run stops with rollback and finally) and a SIGTERM is passed on to it: this
    process waits for it to finish instead of killing it half-way."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE if capture else None, text=True)
    with _forwarding_signals(proc.pid):
        out, _ = proc.communicate()
    if not capture:
        return SopRun(argv, proc.returncode)
    try:
        result = json.loads(out) if out.strip() else None
    except ValueError:
        result = {"output": out}
    return SopRun(argv, proc.returncode, result)


@contextmanager
def _forwarding_signals(pid: int) -> Iterator[None]:
    """SIGINT ignored here (the terminal sends it to the child too), SIGTERM sent on to the
    child; main thread only, where Python allows signal handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def forward(signum, frame) -> None:
        with suppress(ProcessLookupError):
            os.kill(pid, signum)

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, lambda signum, frame: None),
                signal.SIGTERM: signal.signal(signal.SIGTERM, forward)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
