"""The step-type interface plugins implement, and the table of registered types.

A step type is registered through the `register_step_types` hook::

    @hookimpl
    def register_step_types(register):
        register("mytype", MyType())

and is used in a SOP as `- name: ...` plus `mytype: <action>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deskctl.errors import ValidationFailed


@dataclass
class StepResult:
    """What one step did on one host."""

    status: str  # ok | failed | skipped | ignored (failed with continue_on_error) | interrupted
    rc: int | None = None
    stdout: str = ""
    stderr: str = ""
    message: str = ""
    duration: float = 0.0
    attempts: int = 1
    value: Any = None  # what `register:` keeps (default: rc/stdout/stderr)
    command: str | None = None  # rendered, with secrets as $DESKCTL_SECRET_* references
    artifacts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # shown with the step and kept in the record

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped", "ignored")


class StepType:
    """Base class: override what your type needs. Instances are shared by all hosts and
    threads, so keep per-run state in the context, not on the instance."""

    #: keys a step of this type may carry besides its action key and the common keys
    options: frozenset[str] = frozenset()
    #: a one-line description for `deskctl sop types` and the docs
    summary: str = ""

    def validate(self, step, ctx) -> list[str]:
        """Problems with the step's action/options, as messages (the caller adds file:line).
        A message may start with `KEY: ` to point at that key's line."""
        return []

    def templates(self, step) -> list[tuple[str, str, str]]:
        """The (key, text, mode) of every templated value: mode `shell` (command; values are
        shell-quoted), `text` (plain) or `expr` (a Jinja2 expression)."""
        return []

    def registers(self, step) -> dict[str, Any]:
        """Placeholder value for `register:` before the step ran (dry run, skipped step)."""
        return {"rc": None, "stdout": "", "stderr": "", "ok": False, "skipped": True}

    def describe(self, step, ctx) -> str:
        """What the step would do on ctx's host, for `--dry-run` (secrets masked)."""
        return str(step.action)

    def run(self, step, ctx) -> StepResult:
        raise NotImplementedError


def load_step_types(plugins) -> dict[str, StepType]:
    """Every registered step type; duplicate names or broken plugins are a clear error."""
    from deskctl.plugins.manager import Registry

    registry = Registry("step type").collect(plugins, "register_step_types")
    if registry.errors:
        raise ValidationFailed(registry.errors, "step types could not be loaded")
    return registry.items
