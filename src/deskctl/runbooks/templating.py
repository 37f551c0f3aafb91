"""Jinja2 templating for runbooks: sandboxed, StrictUndefined, and shell-safe by default.

In a command (`ssh:`, `local:`), every `{{ value }}` is shell-quoted: `-p user='x; touch
/tmp/pwned'` renders as one harmless argument. The opt-out is visible in the SOP:
`{{ value | unquoted }}`. A secret parameter renders as a reference to an environment
variable ("$DESKCTL_SECRET_name") whose value reaches the host on stdin, never on the
command line; so does any value made from a secret (`{{ "pre-" ~ token }}`, `{{ token |
upper }}`: "$DESKCTL_SECRET_1", ...), which holds the real value at the command. Jinja2 is
imported only when a SOP really holds a template.
"""

from __future__ import annotations

import shlex
import threading
from typing import Any

from deskctl.executor.shell import secret_var
from deskctl.util import redact

MARKERS = ("{{", "{%")
# Jinja2's usual comment marker `{#` is common shell (`${#var}` is a length): comments are `{## ... ##}`
# names every template may use besides the SOP's params, registers and host vars
BUILTINS = frozenset({"host", "vars", "params", "run", "ticket", "answers", "now"})


def is_template(text: Any) -> bool:
    return isinstance(text, str) and any(m in text for m in MARKERS)


class Unquoted(str):
    """A value the SOP author chose to insert into a command without quoting."""


class Tainted(str):
    """Text made from a secret (`"pre-" ~ token`, `token | upper`, `token[4:]`): its text is
    the real value, and it is handled as a secret wherever it goes."""

    def __getitem__(self, key: Any) -> Tainted:  # Jinja2 compiles `token[4:]` to a plain slice
        return Tainted(str.__getitem__(self, key))

    def __iter__(self):
        return (Tainted(c) for c in str.__iter__(self))


class SecretRef(Tainted):
    """A secret value as templates see it: a string holding the real value (so `~`, filters
    and methods compute what the SOP author meant), rendered in a shell command as a
    reference to an environment variable whose value travels on stdin."""

    def __new__(cls, name: str, value: str) -> SecretRef:
        obj = super().__new__(cls, value)
        obj.name = name
        return obj

    @property
    def value(self) -> str:
        return str.__str__(self)

    def shell(self) -> str:
        return f'"${secret_var(self.name)}"'


_local = threading.local()


def _tainted(value: Any, depth: int = 0) -> bool:
    """Whether `value` is, or (in a list or mapping) holds, text made from a secret."""
    if isinstance(value, Tainted):
        return True
    if depth < 4 and isinstance(value, dict):
        return any(_tainted(v, depth + 1) for v in value.values())
    if depth < 4 and isinstance(value, list | tuple | set | frozenset):
        return any(_tainted(v, depth + 1) for v in value)
    return False


def _taint(value: Any) -> Any:
    """`value` marked as made from a secret (text, or the texts of a list)."""
    if isinstance(value, str) and not isinstance(value, Tainted):
        return Tainted(value)
    if isinstance(value, list | tuple):
        return type(value)(_taint(v) for v in value)
    return value


def _carry(result: Any, *sources: Any) -> Any:
    return _taint(result) if any(_tainted(s) for s in sources) else result


def _secret_join(parts: Any) -> str:
    """`a ~ b`: like Jinja2's own join, and made from a secret when a part is."""
    text = "".join(map(str, parts))
    return Tainted(text) if any(_tainted(p) for p in parts) else text


def _tainting(func: Any) -> Any:
    """A filter whose result is made from a secret when one of its arguments is."""
    import functools

    @functools.wraps(func)  # keeps Jinja2's pass_context & co. markers
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _carry(func(*args, **kwargs), *args, *kwargs.values())

    return wrapper


def _made_from_secret(value: Any) -> bool:
    if _tainted(value):
        return True
    # a value holding a registered secret (a host variable, a list's text): a secret too
    return isinstance(value, str | list | tuple | dict) and redact.holds_secret(value)


def _register(text: str) -> None:
    """A derived value (`token | upper`) is masked in output like its secret, when it can
    be masked safely; one that holds the secret is masked through it already."""
    if not redact.holds_secret(text) and not redact.weak_secret(text):
        redact.add_secret(text)


def _secret_reference(value: Any) -> str:
    """A secret (or a value made from one) in a command: a variable reference; the value is
    collected to travel on the command's stdin."""
    used = getattr(_local, "secrets", None)
    if isinstance(value, SecretRef):
        name, text = value.name, value.value
    else:
        text = str(value)
        # derived values are numbered: a parameter name cannot start with a digit
        name = next((n for n, v in (used or {}).items() if v == text), None) or str(len(used or {}) + 1)
        if isinstance(value, str):
            _register(text)
    if "\n" in text or "\r" in text or "\0" in text:
        raise ValueError("a value made from a secret must be a single line (it is passed on stdin)")
    if used is None:  # compile-time folding of a constant: nothing to collect
        return shlex.quote(text)
    used[name] = text
    return f'"${secret_var(name)}"'


def _finalize_shell(value: Any) -> str:
    if _made_from_secret(value):
        return _secret_reference(value)
    if isinstance(value, Unquoted):
        return str(value)
    if value is None:
        return "''"
    if isinstance(value, bool):
        return "true" if value else "false"
    return shlex.quote(str(value))


def _finalize_text(value: Any) -> Any:
    if _made_from_secret(value):
        _local.tainted = True
        if not isinstance(value, str):
            return value
        if not isinstance(value, SecretRef):
            _register(value)
        return str.__str__(value)
    return "" if value is None else value


def _unquoted(value: Any) -> Any:
    # a secret is never spliced into a command as text: it stays a (quoted) reference
    return value if _made_from_secret(value) else Unquoted(str(value))


def _quote(value: Any) -> Any:
    return value if _made_from_secret(value) else Unquoted(shlex.quote(str(value)))


_envs: dict[str, Any] = {}
_env_lock = threading.Lock()


def _environment_class():
    """Jinja2's sandbox, taught to carry secrecy through operators, calls and `~`."""
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import SandboxedEnvironment

    class SecretAwareCodeGenerator(CodeGenerator):
        def visit_Concat(self, node, frame) -> None:
            self.write("environment.secret_join((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("))")

    class SecretAwareEnvironment(SandboxedEnvironment):
        code_generator_class = SecretAwareCodeGenerator
        intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

        def call_binop(self, context, operator, left, right):
            return _carry(super().call_binop(context, operator, left, right), left, right)

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja2's signature
            result = SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)
            owner = getattr(__obj, "__self__", None)  # `token.upper()`: the method's string
            return _carry(result, owner if isinstance(owner, str) else None, *args, *kwargs.values())

        def getitem(self, obj, argument):
            result = super().getitem(obj, argument)
            return _carry(result, obj) if isinstance(obj, str) else result  # `token[4:]`

    return SecretAwareEnvironment


def environment(mode: str):
    """The shared sandboxed environment for `shell` or `text` rendering."""
    with _env_lock:
        if mode not in _envs:
            from jinja2 import StrictUndefined

            env = _environment_class()(
                undefined=StrictUndefined,
                finalize=_finalize_shell if mode == "shell" else _finalize_text,
                keep_trailing_newline=True,
                autoescape=False,
                comment_start_string="{##",
                comment_end_string="##}",
            )
            env.secret_join = _secret_join
            env.filters["unquoted"] = _unquoted
            env.filters["quote"] = _quote
            env.filters["shellquote"] = _quote
            env.filters = {name: _tainting(func) for name, func in env.filters.items()}
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
    """Render one value. Mode `shell` returns (command, {variable name: secret value}): every
    secret, and every value made from one, is a "$DESKCTL_SECRET_..." reference in it."""
    if mode == "expr":
        return _template(str(text), "expr")(**context)
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
    # outside commands a secret is its value (what is printed or stored is redacted)
    return _template(text, "text").render(context)


def render_tracked(text: Any, context: dict[str, Any]) -> tuple[Any, bool]:
    """Render as text; also say whether the result was made from a secret (an `include`
    hands such a value on as a secret, whatever the included SOP calls its parameter)."""
    if not is_template(text):
        return text, _made_from_secret(text)
    _local.tainted = False
    try:
        value = render(text, context, "text")
        return value, bool(_local.tainted)
    finally:
        _local.tainted = False


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
