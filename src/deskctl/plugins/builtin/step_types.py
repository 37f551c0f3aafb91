"""deskctl's built-in runbook step types, registered through `register_step_types` exactly
as a third-party plugin registers its own (docs/runbooks.md shows how)."""

from __future__ import annotations

import time
from typing import Any

from deskctl.errors import BadInput, ValidationFailed
from deskctl.hookspecs import hookimpl
from deskctl.runbooks.step_registry import StepResult, StepType
from deskctl.util import redact


def _command_result(result, shown: str) -> StepResult:
    if result.error:
        return StepResult("failed", rc=None, stdout=result.stdout, stderr=result.stderr,
                          message=result.error, command=shown)
    return StepResult("ok" if result.rc == 0 else "failed", rc=result.rc, stdout=result.stdout,
                      stderr=result.stderr, command=shown)


class ShellStep(StepType):
    """`ssh: COMMAND` on the target host (locally for `connection: local` hosts)."""

    options = frozenset({"stdin", "save"})
    summary = "run a shell command on the target host (values shell-quoted)"
    on_host = True

    def validate(self, step, ctx) -> list[str]:
        problems = []
        if not isinstance(step.action, str) or not step.action.strip():
            problems.append(f"{step.type}: the command must be text")
        save = step.option("save")
        if save is not None and (not isinstance(save, str) or "/" in save or save.startswith(".")):
            problems.append("save: must be a plain file name (it is kept in the run's folder)")
        if step.option("stdin") is not None and not isinstance(step.option("stdin"), str):
            problems.append("stdin: must be text")
        return problems

    def templates(self, step):
        found = [(step.type, str(step.action), "shell")]
        if isinstance(step.option("stdin"), str):
            found.append(("stdin", step.option("stdin"), "text"))
        return found

    def describe(self, step, ctx) -> str:
        command, _ = ctx.render(step.action, "shell")
        where = "" if self.on_host else "(on this machine) "
        return where + ("sudo " if step.sudo else "") + command

    def run(self, step, ctx) -> StepResult:
        stdin = step.option("stdin")
        data = ctx.render(stdin).encode() if isinstance(stdin, str) else b""
        timeout = step.timeout or ctx.run.step_timeout
        result, shown = ctx.shell(step.action, sudo=step.sudo, timeout=timeout, stdin=data, on_host=self.on_host)
        out = _command_result(result, shown)
        dropped = result.extra.get("dropped") or {}
        save = step.option("save")
        if save and result.error is None:
            from deskctl.util.fileio import atomic_write

            path = ctx.artifact_path(ctx.render(save))
            atomic_write(path, redact.redact_bytes(result.stdout))  # DiskError fails the step in one line
            out.artifacts.append(str(path))
            out.stdout = f"<{len(result.stdout)} bytes saved to {ctx.run.desk.rel(path)}>"
            if dropped.get("stdout"):
                out.warnings.append(f"save: the output was {_size(len(result.stdout) + dropped['stdout'])}; "
                                    f"only its last {_size(len(result.stdout))} are in {ctx.run.desk.rel(path)}")
                dropped = {k: v for k, v in dropped.items() if k != "stdout"}
        if dropped:
            from deskctl.executor.local import MAX_OUTPUT
        for stream, n in dropped.items():
            out.warnings.append(f"{stream}: the first {_size(n)} of the output were cut (deskctl keeps the last {_size(MAX_OUTPUT)})")
        return out


class LocalStep(ShellStep):
    """`local: COMMAND` on this machine (once per target host)."""

    summary = "run a shell command on this machine"
    on_host = False


class CheckStep(StepType):
    options = frozenset({"msg"})
    summary = "assert expressions over parameters and registered results"

    def _exprs(self, step) -> list[str]:
        return [str(e) for e in (step.action if isinstance(step.action, list) else [step.action])]

    def validate(self, step, ctx) -> list[str]:
        if not step.action or not all(isinstance(e, str | bool) for e in self._exprs(step)):
            return ["check: give an expression or a list of them, such as state.rc == 0"]
        return []

    def templates(self, step):
        found = [("check", e, "expr") for e in self._exprs(step)]
        if isinstance(step.option("msg"), str):
            found.append(("msg", step.option("msg"), "text"))
        return found

    def describe(self, step, ctx) -> str:
        return "assert " + " and ".join(self._exprs(step))

    def run(self, step, ctx) -> StepResult:
        for expr in self._exprs(step):
            if not ctx.evaluate(expr):
                msg = step.option("msg")
                return StepResult("failed", message=ctx.render(msg) if msg else f"check failed: {expr}")
        return StepResult("ok", message="all checks passed")


class PromptStep(StepType):
    options = frozenset({"choices", "default"})
    summary = "ask the operator a question; later steps test the answer"

    def validate(self, step, ctx) -> list[str]:
        problems = []
        if not isinstance(step.action, str) or not step.action.strip():
            problems.append("prompt: the question must be text")
        if not step.register:
            problems.append("a prompt needs `register:` to name its answer (used by --answer NAME=VALUE)")
        choices = step.option("choices")
        if choices is not None and (not isinstance(choices, list) or not choices):
            problems.append("choices: must be a non-empty list")
        elif choices and step.option("default") is not None:
            from deskctl.runbooks.context import templating_choice

            if templating_choice(step.option("default")) not in [templating_choice(c) for c in choices]:
                problems.append("default: must be one of the choices")
        return problems

    def templates(self, step):
        return [("prompt", str(step.action), "text")]

    def registers(self, step) -> Any:
        return ""

    def describe(self, step, ctx) -> str:
        key = step.register or step.name
        answer = ctx.run.answers.get(key, "<asked at run time>")
        return f"ask {ctx.render(step.action)!r} -> {key}={answer}"

    def run(self, step, ctx) -> StepResult:
        answer = ctx.answer(step)
        return StepResult("ok", stdout=answer, value=answer, message=f"answer: {answer}")


class WaitForStep(StepType):
    summary = "wait until a TCP port opens or a command succeeds (bounded)"

    def validate(self, step, ctx) -> list[str]:
        spec = step.action
        if not isinstance(spec, dict) or ("port" in spec) == ("command" in spec):
            return ["wait_for: give a mapping with `port:` (and optional `host:`) or `command:`, plus optional timeout and interval"]
        problems = []
        for key in spec:
            if key not in ("port", "host", "command", "timeout", "interval"):
                problems.append(f"wait_for: unknown key {key!r} (port, host, command, timeout, interval)")
        if "port" in spec and not (isinstance(spec["port"], int) and 0 < spec["port"] < 65536):
            problems.append("wait_for: port must be a TCP port number")
        for key, high in (("timeout", 86400), ("interval", 3600)):
            value = spec.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high):
                problems.append(f"wait_for: {key} must be a number of seconds up to {high}")
        return problems

    def templates(self, step):
        spec = step.action if isinstance(step.action, dict) else {}
        found = []
        if isinstance(spec.get("host"), str):
            found.append(("wait_for", spec["host"], "text"))
        if isinstance(spec.get("command"), str):
            found.append(("wait_for", spec["command"], "shell"))
        return found

    def describe(self, step, ctx) -> str:
        spec = step.action
        if "port" in spec:
            return f"wait up to {spec.get('timeout', 60)} s for TCP {ctx.render(spec.get('host', ctx.host.address))}:{spec['port']}"
        command, _ = ctx.render(spec["command"], "shell")
        return f"wait up to {spec.get('timeout', 60)} s until succeeds: {command}"

    def run(self, step, ctx) -> StepResult:
        spec = step.action
        timeout = float(spec.get("timeout", 60))
        interval = float(spec.get("interval", 2))
        deadline = time.monotonic() + timeout
        attempts = 0
        while True:  # bounded by the deadline
            attempts += 1
            if ctx.cancelled():
                return StepResult("interrupted", message=f"stopped: {ctx.run.stop.name}", attempts=attempts)
            if "port" in spec:
                address = ctx.render(spec.get("host", ctx.host.address))
                try:
                    import socket  # only wait_for steps need it; keeps start-up light

                    with socket.create_connection((address, spec["port"]), timeout=min(5, timeout)):
                        return StepResult("ok", message=f"{address}:{spec['port']} is open", attempts=attempts)
                except OSError as exc:
                    last = f"{address}:{spec['port']} not open ({exc.strerror or exc})"
            else:
                result, shown = ctx.shell(spec["command"], sudo=step.sudo, timeout=max(1, deadline - time.monotonic()))
                if result.ok:
                    return StepResult("ok", rc=0, stdout=result.stdout, stderr=result.stderr, command=shown, attempts=attempts)
                last = result.error or f"exit code {result.rc}"
            if time.monotonic() + interval > deadline:
                return StepResult("failed", message=f"still failing after {timeout:g} s: {last}", attempts=attempts)
            ctx.wait(interval)  # returns early when the run is told to stop


class HttpStep(StepType):
    summary = "send an HTTP request from this machine and check status and body"

    def _spec(self, step) -> dict:
        return {"url": step.action} if isinstance(step.action, str) else dict(step.action or {})

    def validate(self, step, ctx) -> list[str]:
        spec = self._spec(step)
        allowed = ("url", "method", "headers", "body", "status", "contains", "timeout")
        problems = [f"http: unknown key {k!r} ({', '.join(allowed)})" for k in spec if k not in allowed]
        if not isinstance(spec.get("url"), str):
            problems.append("http: give a URL, or a mapping with url, method, headers, body, status, contains")
        if "headers" in spec and not isinstance(spec["headers"], dict):
            problems.append("http: headers must be a mapping")
        return problems

    def templates(self, step):
        spec = self._spec(step)
        found = [("http", str(spec.get("url", "")), "text")]
        if isinstance(spec.get("body"), str):
            found.append(("http", spec["body"], "text"))
        found += [("http", str(v), "text") for v in (spec.get("headers") or {}).values()]
        return found

    def describe(self, step, ctx) -> str:
        spec = self._spec(step)
        return f"{spec.get('method', 'GET').upper()} {ctx.render(spec['url'])}"

    def run(self, step, ctx) -> StepResult:
        import urllib.error
        import urllib.request

        spec = self._spec(step)
        url = ctx.render(spec["url"])
        if not url.startswith(("http://", "https://")):
            return StepResult("failed", message=f"not an http(s) URL: {url}")
        body = spec.get("body")
        data = ctx.render(body).encode() if isinstance(body, str) else None
        headers = {str(k): str(ctx.render(str(v))) for k, v in (spec.get("headers") or {}).items()}
        request = urllib.request.Request(url, data=data, headers=headers, method=spec.get("method", "POST" if data else "GET").upper())
        timeout = float(spec.get("timeout", step.timeout or 30))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - scheme checked
                status, text = resp.status, resp.read(1_000_000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read(1_000_000).decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            return StepResult("failed", message=f"{url}: {getattr(exc, 'reason', exc)}")
        wanted = spec.get("status")
        codes = wanted if isinstance(wanted, list) else [wanted] if wanted is not None else list(range(200, 300))
        value = {"status": status, "body": text, "ok": status in codes}
        if status not in codes:
            return StepResult("failed", stdout=text, message=f"HTTP {status} from {url}", value=value)
        if spec.get("contains") is not None and str(spec["contains"]) not in text:
            return StepResult("failed", stdout=text, message=f"response does not contain {spec['contains']!r}", value=value)
        return StepResult("ok", stdout=text, message=f"HTTP {status}", value=value)


class TicketStep(StepType):
    summary = "comment on, attach a file to, or resolve the linked ticket (--ticket)"
    KEYS = ("comment", "internal", "attach", "resolve")

    def validate(self, step, ctx) -> list[str]:
        spec = step.action
        if not isinstance(spec, dict) or not any(k in spec for k in ("comment", "attach", "resolve")):
            return ["ticket: give a mapping with comment, attach or resolve"]
        return [f"ticket: unknown key {k!r} ({', '.join(self.KEYS)})" for k in spec if k not in self.KEYS]

    def templates(self, step):
        spec = step.action if isinstance(step.action, dict) else {}
        return [("ticket", str(spec[k]), "text") for k in ("comment", "attach", "resolve") if k in spec]

    def describe(self, step, ctx) -> str:
        spec = step.action
        tid = (ctx.run.ticket or {}).get("id", "<no --ticket: skipped>")
        return "; ".join(f"{k} on {tid}: {ctx.render(str(spec[k]))}" for k in ("comment", "attach", "resolve") if k in spec)

    def run(self, step, ctx) -> StepResult:
        from deskctl.runbooks import ticketing

        if not ctx.run.ticket:
            return StepResult("skipped", message="no ticket linked (run with --ticket ID)")
        spec, desk, actor, tid = step.action, ctx.run.desk, ctx.run.actor, ctx.run.ticket["id"]
        done = []
        if "comment" in spec:
            text = f"[{ctx.host.name}] {ctx.render(str(spec['comment']))}"
            ticketing.comment(desk, tid, actor=actor, text=text, internal=bool(spec.get("internal", True)))
            done.append("commented")
        if "attach" in spec:
            ticketing.attach(desk, tid, ctx.render(str(spec["attach"])), actor=actor)
            done.append("attached")
        if "resolve" in spec:
            ticketing.resolve(desk, tid, actor=actor, resolution=ctx.render(str(spec["resolve"])))
            done.append("resolved")
        return StepResult("ok", message=f"{tid}: {', '.join(done)}")


class IncludeStep(StepType):
    options = frozenset({"params"})
    summary = "run the steps of another SOP with its own parameters"

    def validate(self, step, ctx) -> list[str]:
        if not isinstance(step.action, str):
            return ["include: give the name of another SOP"]
        return []

    def describe(self, step, ctx) -> str:
        given = {k: ctx.render(v) for k, v in (step.option("params") or {}).items()}
        return f"include {step.action} {given}"

    def run(self, step, ctx) -> StepResult:
        """The included SOP's steps, then its own rollback (when one of them failed or was
        interrupted) and its own `finally`, as a nested try block: they run before the
        including SOP's rollback and `finally` (docs/runbooks.md, "Rollback and finally")."""
        from deskctl.runbooks import params
        from deskctl.runbooks.engine import run_cleanup, run_steps

        child = step.child_sop
        given, secret = {}, set()
        for key, text in (step.option("params") or {}).items():
            given[key], made_from_secret = ctx.render_tracked(text)
            if made_from_secret:  # a secret stays one under the included SOP's own names
                secret.add(key)
        try:
            values, _ = params.resolve(child, given)
        except ValidationFailed as failed:  # the step's message names each problem, not only the SOP
            raise BadInput(f"{failed.message}: {'; '.join(failed.problems)}") from None
        saved = ctx.params
        ctx.params = ctx.run.param_context(child, values, frozenset(secret))
        section = f"include {child.name}"
        try:
            failed = run_steps(ctx, step.children, section, ctx.sink)
            finally_failed = run_cleanup(ctx, failed, child.rollback, child.finally_, section + " ", ctx.sink)
        finally:
            ctx.params = saved
        if failed is not None:
            return StepResult("failed", message=f"{child.name}: step {failed.name!r} failed")
        if finally_failed is not None:
            return StepResult("failed", message=f"{child.name}: finally step {finally_failed.name!r} failed")
        return StepResult("ok", message=f"{child.name}: {len(step.children)} step(s) done")


BUILTIN_TYPES = {
    "ssh": ShellStep(), "local": LocalStep(), "check": CheckStep(), "prompt": PromptStep(),
    "wait_for": WaitForStep(), "http": HttpStep(), "ticket": TicketStep(), "include": IncludeStep(),
}  # fmt: skip


@hookimpl(trylast=True)
def register_step_types(register):
    for name, step_type in BUILTIN_TYPES.items():
        register(name, step_type)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"
