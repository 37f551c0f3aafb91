"""What a step sees while it runs: the run (SOP, parameters, answers, ticket) and its host
(variables, registers, the one reused connection). Step-type plugins use these methods."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput, OperationFailed
from deskctl.executor import CommandResult, ConnectionFailed, connect, shell
from deskctl.runbooks import templating
from deskctl.runbooks.interrupts import Stop
from deskctl.util import redact


@dataclass
class RunContext:
    """Shared by every host of one run (read-only while hosts run, except answers)."""

    desk: Any
    runbook: Any
    params: dict[str, Any]
    step_types: dict[str, Any]
    run_id: str
    actor: str
    known_hosts: list[Path]
    library: Any = None
    answers: dict[str, str] = field(default_factory=dict)
    ticket: dict | None = None
    dry_run: bool = False
    step_timeout: float = 600.0
    ask: Any = None  # ask(question, choices, default, cancel=Event) -> str, when a person is there
    progress: Any = None  # progress(host, section, step, result)
    notify: Any = None  # notify(message): the run is stopping (a signal arrived)
    stop: Stop = field(default_factory=Stop)
    generated: list[str] = field(default_factory=list)
    prompt_lock: threading.Lock = field(default_factory=threading.Lock)
    ssh_settings: dict[str, Any] = field(default_factory=dict)  # host name -> ssh_config.SshSettings

    @property
    def artifacts_dir(self) -> Path:
        return self.desk.data_dir / "runs" / self.run_id

    def param_context(self, runbook, values: dict[str, Any], secret: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Parameters as templates see them: secrets become references in commands.

        Secrecy follows the value, not the parameter's name: a parameter is a secret when it
        is declared so, when it is named in `secret` (an `include` handing on a value made
        from a secret), or when its value is or holds a registered secret."""
        return {
            name: templating.SecretRef(name, str(values[name]))
            if values.get(name) is not None and (p.is_secret or name in secret or redact.holds_secret(values[name]))
            else values.get(name)
            for name, p in runbook.params.items()
        }


class HostContext:
    """One host's side of a run. Created per host, used by one thread."""

    def __init__(self, run: RunContext, host):
        self.run = run
        self.host = host
        self.registers: dict[str, Any] = {}
        self.params = run.param_context(run.runbook, run.params)
        self.connection = None
        self.connect_error: str | None = None
        self.dry_run = run.dry_run
        self.sink: list[dict] = []  # the host's step records (an include appends its steps)
        # the stop this host's commands obey: the first signal during the steps, the
        # second during rollback and finally (see `cleanup`)
        self.watch: threading.Event = run.stop.steps
        self.interrupted = False  # a step was stopped or not started because of a signal
        for step in run.runbook.all_steps():
            if step.register:
                self.registers[step.register] = run.step_types[step.type].registers(step)

    # --- templates -----------------------------------------------------------------
    def variables(self) -> dict[str, Any]:
        host = self.host
        return {
            **host.vars, **self.params, **self.registers,
            "host": {"name": host.name, "address": host.address, "port": host.port,
                     "user": host.user, "groups": host.groups, "vars": host.vars},
            "vars": host.vars, "params": self.params, "answers": dict(self.run.answers),
            "run": {"id": self.run.run_id, "sop": self.run.runbook.name, "actor": self.run.actor,
                    "dir": str(self.run.artifacts_dir)},
            "ticket": self.run.ticket, "now": _now(),
        }  # fmt: skip

    def render(self, text: Any, mode: str = "text") -> Any:
        """Render a template; an undefined variable raises BadInput naming it."""
        try:
            return templating.render(text, self.variables(), mode)
        except Exception as exc:
            raise BadInput(f"template error: {redact.redact(str(exc))}") from None

    def render_tracked(self, text: Any) -> tuple[Any, bool]:
        """Render as text; also say whether the result was made from a secret."""
        try:
            return templating.render_tracked(text, self.variables())
        except Exception as exc:
            raise BadInput(f"template error: {redact.redact(str(exc))}") from None

    def evaluate(self, expression: str) -> Any:
        return self.render(expression, "expr")

    # --- stopping ------------------------------------------------------------------
    def cancelled(self) -> bool:
        """True once the run is told to stop what this host is doing now."""
        return self.watch.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True (at once) when the run is told to stop."""
        return self.watch.wait(max(0.0, seconds))

    @property
    def in_cleanup(self) -> bool:
        return self.watch is self.run.stop.cleanup

    @contextmanager
    def cleanup(self) -> Iterator[None]:
        """Inside: rollback and `finally` steps, which a first signal does not stop (they
        run because of it), a second one does."""
        saved = self.watch
        self.watch = self.run.stop.cleanup
        try:
            yield
        finally:
            self.watch = saved

    # --- commands ------------------------------------------------------------------
    def connect(self):
        """This host's connection, opened on first use and reused for every step."""
        if self.connection is None:
            if self.connect_error:
                raise ConnectionFailed(self.connect_error)
            try:
                self.connection = connect(self.host, known_hosts=self.run.known_hosts,
                                          settings=self.run.ssh_settings.get(self.host.name))
            except ConnectionFailed as exc:
                self.connect_error = redact.redact(str(exc))
                raise
        return self.connection

    def shell(self, command: str, *, sudo: bool = False, timeout: float | None = None,
              stdin: bytes = b"", on_host: bool = True) -> tuple[CommandResult, str]:
        """Render and run a shell command on this host (or on this machine with
        `on_host=False`). Returns the result and the command as shown to people."""
        rendered, secrets = self.render(command, "shell")
        host = self.host
        password = None
        if sudo and host.sudo_password_env:
            password = os.environ.get(host.sudo_password_env)
            if password is None:
                raise BadInput(f"sudo password variable ${host.sudo_password_env} is not set (for {host.name})")
            redact.add_secret(password)
        if on_host:
            conn = self.connect()
            env, path = host.env, host.path_prepend
        else:
            from deskctl.executor.local import LocalConnection

            conn, env, path = LocalConnection(), {}, []
        line, feed = shell.build(
            rendered, env=env, path_prepend=path, secrets=secrets, sudo=sudo,
            sudo_password=password, is_root=conn.is_root, stdin=stdin,
        )  # fmt: skip
        result = conn.run(line, stdin=feed, timeout=timeout, cancel=self.watch)
        return result, rendered

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    # --- people and tickets ----------------------------------------------------------
    def answer(self, step) -> str:
        """The answer to a prompt step: given, default, or asked once for the whole run."""
        key = step.register or step.name
        with self.run.prompt_lock:
            if key in self.run.answers:
                return self.run.answers[key]
            if self.run.ask is None:
                raise BadInput(f"prompt {step.name!r} needs an answer: pass --answer {key}=VALUE")
            if self.cancelled():  # stopped while another host's question waited
                raise OperationFailed("prompt not asked: the run was interrupted")
            choices = [templating_choice(c) for c in step.option("choices") or []]
            default = step.option("default")
            text = self.render(step.action)
            value = self.run.ask(text, choices, None if default is None else templating_choice(default), cancel=self.watch)
            self.run.answers[key] = value
            return value

    def artifact_path(self, name: str) -> Path:
        # a file name made from a secret must not write it into the desk's folder listing
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in redact.redact(name))
        folder = self.run.artifacts_dir / self.host.name
        folder.mkdir(parents=True, exist_ok=True)
        return folder / safe


def templating_choice(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _now() -> str:
    from deskctl.util import clock

    return clock.now_iso()
