"""Jinja2 templating for runbooks: sandboxed, StrictUndefined, and shell-safe by default.

In a command (`ssh:`, `local:`), every `{{ value }}` is shell-quoted: `-p user='x; touch
/tmp/pwned'` renders as one harmless argument. The opt-out is visible in the SOP:
`{{ value | unquoted }}`. A secret parameter renders as a reference to an environment
variable ("$DESKCTL_SECRET_name") whose value reaches the host on stdin, never on the
command line. Jinja2 is imported only when a SOP really holds a template.
"""

from __future__ import annotations

import shlex
import threading
from typing import Any

from deskctl.executor.shell import secret_var

MARKERS = ("{{", "{%")
# Jinja2's usual comment marker `{#` is common shell (`${#var}` is a length): comments are `{## ... ##}`
# names every template may use besides the SOP's params, registers and host vars
BUILTINS = frozenset({"host", "vars", "params", "run", "ticket", "answers", "now"})


def is_template(text: Any) -> bool:
    return isinstance(text, str) and any(m in text for m in MARKERS)


class Unquoted(str):
    """A value the SOP author chose to insert into a command without quoting."""


class SecretRef:
    """A secret parameter inside a shell command: rendered as a variable reference."""

    def __init__(self, name: str, value: str):
        self.name = name
        self.value = value

    def shell(self) -> str:
        return f'"${secret_var(self.name)}"'

    def __str__(self) -> str:
        return self.shell()


_local = threading.local()


def _finalize_shell(value: Any) -> str:
    if isinstance(value, SecretRef):
        used = getattr(_local, "secrets", None)
        if used is not None:
            used[value.name] = value.value
        return value.shell()
    if isinstance(value, Unquoted):
        return str(value)
    if value is None:
        return "''"
    if isinstance(value, bool):
        return "true" if value else "false"
    return shlex.quote(str(value))


def _finalize_text(value: Any) -> Any:
    if isinstance(value, SecretRef):
        return value.value
    return "" if value is None else value


def _unquoted(value: Any) -> Unquoted:
    return Unquoted(value.shell() if isinstance(value, SecretRef) else str(value))


def _quote(value: Any) -> Unquoted:
    return Unquoted(value.shell() if isinstance(value, SecretRef) else shlex.quote(str(value)))


_envs: dict[str, Any] = {}
_env_lock = threading.Lock()


def environment(mode: str):
    """The shared sandboxed environment for `shell` or `text` rendering."""
    with _env_lock:
        if mode not in _envs:
            from jinja2 import StrictUndefined
            from jinja2.sandbox import SandboxedEnvironment

            env = SandboxedEnvironment(
                undefined=StrictUndefined,
                finalize=_finalize_shell if mode == "shell" else _finalize_text,
                keep_trailing_newline=True,
                autoescape=False,
                comment_start_string="{##",
                comment_end_string="##}",
            )
            env.filters["unquoted"] = _unquoted
            env.filters["quote"] = _quote
            env.filters["shellquote"] = _quote
            _envs[mode] = env
        return _envs[mode]


_compiled: dict[tuple[str, str], Any] = {}


def _template(text: str, mode: str):
    key = (mode, text)
    tpl = _compiled.get(key)
    if tpl is None:
        env = environment("shell" if mode == "shell" else "text")
        tpl = env.compile_expression(text, undefined_to_none=False) if mode == "expr" else env.from_string(text)
        _compiled[key] = tpl
    return tpl


def render(text: Any, context: dict[str, Any], mode: str = "text") -> Any:
    """Render one value. Mode `shell` returns (command, {secret name: value})."""
    if mode == "expr":
        return _template(str(text), "expr")(**_plain(context))
    if not is_template(text):
        if mode == "shell":
            return str(text), {}
        return text
    if mode == "shell":
        _local.secrets = {}
        try:
            command = _template(text, "shell").render(context)
            return command, dict(_local.secrets)
        finally:
            _local.secrets = None
    return _template(text, "text").render(_plain(context))


def _plain(context: dict[str, Any]) -> dict[str, Any]:
    """Outside commands a secret is its value (outputs are redacted anyway)."""
    return {k: (v.value if isinstance(v, SecretRef) else v) for k, v in context.items()}


def undeclared(text: str, mode: str) -> tuple[set[str], str | None]:
    """(names a template uses without defining them, syntax error or None)."""
    from jinja2 import TemplateSyntaxError, meta

    env = environment("shell" if mode == "shell" else "text")
    source = "{{ (" + text + ") }}" if mode == "expr" else text
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        return set(), f"template syntax error: {exc.message}"
    return set(meta.find_undeclared_variables(ast)), None


def template_globals() -> set[str]:
    return set(environment("text").globals)
