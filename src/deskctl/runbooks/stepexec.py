"""Run one step on one host: `when`, retries with delay, `expect`, `register`,
`continue_on_error`, and redaction of everything the step printed."""

from __future__ import annotations

import re
import time
from typing import Any

from deskctl.errors import BadInput, DeskError
from deskctl.executor import ConnectionFailed
from deskctl.runbooks.step_registry import StepResult
from deskctl.util import redact

TAIL = 4000  # characters of output kept per stream in records and JSON


def decode(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return redact.redact(text)


def check_expect(expect: dict | None, result: StepResult) -> str | None:
    """Why the result misses the step's expectation (default: exit code 0), or None."""
    expect = expect or {}
    wanted = expect.get("rc", 0)
    codes = wanted if isinstance(wanted, list) else [wanted]
    if result.rc not in codes:
        return f"exit code {result.rc}, expected {' or '.join(map(str, codes))}"
    for stream in ("stdout", "stderr"):
        text = getattr(result, stream)
        if stream in expect and str(expect[stream]) not in text:
            return f"{stream} does not contain {str(expect[stream])!r}"
        pattern = expect.get(f"{stream}_matches")
        if pattern is not None and not re.search(str(pattern), text):
            return f"{stream} does not match {str(pattern)!r}"
    return None


def register_value(result: StepResult) -> Any:
    if result.value is not None:
        return result.value
    return {
        "rc": result.rc, "stdout": result.stdout.rstrip("\n"), "stderr": result.stderr.rstrip("\n"),
        "stdout_lines": result.stdout.splitlines(), "ok": result.status == "ok",
        "failed": result.status == "failed", "skipped": result.status == "skipped",
    }  # fmt: skip


def _attempt(step, stype, hc) -> StepResult:
    try:
        result = stype.run(step, hc)
    except ConnectionFailed as exc:
        return StepResult("failed", message=str(exc), value=None)
    except DeskError as exc:
        return StepResult("failed", message=str(exc))
    except Exception as exc:  # a step type's bug fails the step, not the whole run
        return StepResult("failed", message=f"step type {step.type!r} failed: {type(exc).__name__}: {exc}")
    result.stdout = decode(result.stdout)
    result.stderr = decode(result.stderr)
    if result.rc is not None and result.status != "skipped":
        problem = check_expect(step.expect, result)
        result.status = "failed" if problem else "ok"
        if problem and not result.message:
            last = (result.stderr.strip() or result.stdout.strip()).splitlines()
            result.message = f"{problem}: {last[-1][:200]}" if last else problem
    return result


def run_step(step, hc, section: str, explain=None) -> StepResult:
    """Run one step; a step the run was told to stop (see `interrupts`) ends `interrupted`
    (its command killed, or not started), or `skipped` in rollback/finally after a second
    signal. Retries never start once the run is stopping. `explain(result)` words the message
    of a failure when the caller knows better than the last output line."""
    started = time.monotonic()
    stype = hc.run.step_types[step.type]
    result: StepResult
    if hc.cancelled():
        return _finish(step, hc, section, _stopped(hc, started_it=False), started)
    if step.when is not None:
        try:
            go = hc.evaluate(step.when)
        except BadInput as exc:
            go, result = None, StepResult("failed", message=f"when: {exc.message}")
        if go is not None and not go:
            result = StepResult("skipped", message=f"when {step.when!r} is false")
            return _finish(step, hc, section, result, started, explain)
        if go is None:
            return _finish(step, hc, section, result, started, explain)
    attempts = 0
    for attempts in range(1, step.retries + 2):
        result = _attempt(step, stype, hc)
        if result.ok or hc.connect_error or hc.cancelled():
            break  # an unreachable host stays unreachable: do not wait out the retries
        if attempts <= step.retries and hc.wait(step.delay):
            break  # told to stop while waiting to retry
    if not result.ok and result.status != "interrupted" and hc.cancelled() and not hc.connect_error:
        stopped = _stopped(hc, started_it=True)
        if result.message and not result.message.startswith("interrupted"):  # not the executor's own word
            stopped.message = f"{stopped.message}: {result.message}"
        result.status, result.message = stopped.status, stopped.message
    if result.status == "interrupted":
        hc.interrupted = True
    result.attempts = attempts
    return _finish(step, hc, section, result, started, explain)


def _stopped(hc, *, started_it: bool) -> StepResult:
    """The result of a step the run's stop request cut short or kept from starting."""
    hc.interrupted = True
    why = hc.run.stop.name
    if hc.in_cleanup:
        return StepResult("skipped" if not started_it else "interrupted",
                          message=f"{'stopped' if started_it else 'not run'}: {why} received twice")
    return StepResult("interrupted", message=f"{'stopped' if started_it else 'not started'}: {why}")


def _finish(step, hc, section: str, result: StepResult, started: float, explain=None) -> StepResult:
    result.duration = time.monotonic() - started
    result.stdout = decode(result.stdout)
    result.stderr = decode(result.stderr)
    if result.status == "failed" and explain is not None:
        result.message = explain(result) or result.message
    result.message = redact.redact(result.message)
    if result.status in ("failed", "interrupted") and not result.message:
        last = (result.stderr.strip() or result.stdout.strip()).splitlines()
        result.message = last[-1][:300] if last else result.status
    if step.register:
        hc.registers[step.register] = register_value(result)
    if result.status == "failed" and step.continue_on_error:
        result.status = "ignored"
    if hc.run.progress:
        hc.run.progress(hc.host.name, section, step.name, result)
    return result


def to_record(step, section: str, result: StepResult) -> dict[str, Any]:
    return {
        "section": section, "name": step.name, "type": step.type, "status": result.status,
        "rc": result.rc, "duration": round(result.duration, 3), "attempts": result.attempts,
        "message": result.message, "command": redact.redact(result.command),
        "stdout_tail": result.stdout[-TAIL:], "stderr_tail": result.stderr[-TAIL:],
        "artifacts": result.artifacts, "warnings": result.warnings,
    }  # fmt: skip
