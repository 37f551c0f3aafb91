"""Load `sops/*.yaml` and validate them completely before anything runs: schema, step types,
template syntax and undefined variables, all reported at once as `file:line: message`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from deskctl.desk import yamlio
from deskctl.errors import BadInput, NotFound, ValidationFailed
from deskctl.runbooks import templating
from deskctl.runbooks.model import (
    COMMON_STEP_KEYS,
    PARAM_TYPES,
    SECTIONS,
    TOP_KEYS,
    Param,
    Runbook,
    Step,
)

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PARAM_KEYS = ("type", "required", "default", "choices", "pattern", "description", "secret", "generate", "length", "min", "max",
              "allow", "deny", "deletes")
EXPECT_KEYS = ("rc", "stdout", "stderr", "stdout_matches", "stderr_matches")
MAX_INCLUDE_DEPTH = 8


class LazyLines:
    """keypath -> line of a YAML file, parsed only when a message needs a line number."""

    def __init__(self, path: Path):
        self.path = path
        self._index: dict[tuple, int] | None = None

    def __call__(self, keypath: tuple) -> int:
        if self._index is None:
            self._index = yamlio.line_index(self.path)
        for cut in range(len(keypath), 0, -1):
            if keypath[:cut] in self._index:
                return self._index[keypath[:cut]]
        return 1


def _yaml_str(value: Any) -> str:
    """YAML turns unquoted yes/no into booleans; choices and answers mean the words."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


class Library:
    """The desk's SOPs, loaded and validated on demand (each file once per process)."""

    def __init__(self, desk, step_types: dict[str, Any], inventory_vars: set[str] | None = None):
        self.desk = desk
        self.folder = desk.folder("sops")
        self.step_types = step_types
        self.inventory_vars = inventory_vars or set()
        self._done: dict[Path, tuple[Runbook | None, list[str]]] = {}

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())

    def path_of(self, name: str) -> Path:
        """The file of the SOP called `name` in sops/. A name is a name, never a path: `../x`
        or `/tmp/x` would run (or include) a SOP from outside the desk."""
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise BadInput(f"{name!r} is not a SOP name: lower-case letters, digits, - and _ (no paths)",
                           f"give the name of a SOP in {self.desk.rel(self.folder)}/: `deskctl sop list` shows them")
        for suffix in (".yaml", ".yml"):
            path = self.folder / f"{name}{suffix}"
            if path.is_file():
                return path
        names = [p.stem for p in self.files()]
        close = _close(name, names, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see `deskctl sop list`"
        raise NotFound(f"no SOP named {name!r} in {self.desk.rel(self.folder)}", hint)

    def load(self, name_or_path: str | Path) -> Runbook:
        """A valid runbook, or ValidationFailed listing every problem."""
        path = Path(name_or_path) if isinstance(name_or_path, Path) else self.path_of(name_or_path)
        runbook, problems = self.check(path)
        if problems or runbook is None:
            raise ValidationFailed(problems, f"{self.desk.rel(path)} is not valid", "fix each line above; `deskctl sop validate` checks every SOP")
        return runbook

    def check(self, path: Path, stack: tuple[str, ...] = ()) -> tuple[Runbook | None, list[str]]:
        path = Path(path)
        if path in self._done:
            return self._done[path]
        result = _Checker(self, path, stack).run()
        self._done[path] = result
        return result


class _Checker:
    def __init__(self, library: Library, path: Path, stack: tuple[str, ...]):
        self.lib = library
        self.path = path
        self.label = library.desk.rel(path)
        self.lines = LazyLines(path)
        self.stack = stack
        self.problems: list[str] = []
        self.known_base: set[str] = set()

    def report(self, keypath: tuple, message: str) -> None:
        self.problems.append(f"{self.label}:{self.lines(keypath)}: {message}")

    def run(self) -> tuple[Runbook | None, list[str]]:
        try:
            data = yamlio.load(self.path, self.label)
            text = self.path.read_bytes()
        except BadInput as exc:
            return None, [exc.message]
        if not isinstance(data, dict):
            return None, [f"{self.label}:1: a SOP must be a mapping with name, params and steps"]
        rb = Runbook(name=str(data.get("name", "")), path=self.path, label=self.label)
        rb.content_hash = "sha256:" + hashlib.sha256(text).hexdigest()[:16]
        self.top(data, rb)
        rb.params = self.params(data.get("params"))
        self.known_base = (
            set(rb.params) | templating.BUILTINS | self.lib.inventory_vars
            | ({"range", "lipsum", "dict", "cycler", "joiner", "namespace"})
        )  # fmt: skip
        registers: set[str] = set()
        for section in SECTIONS:
            raw = data.get(section)
            if raw is None:
                if section == "steps":
                    self.report((), "a SOP needs `steps:` (a list of steps)")
                continue
            if not isinstance(raw, list) or (section == "steps" and not raw):
                self.report((section,), f"{section} must be a non-empty list of steps")
                continue
            steps = [self.step(item, (section, i), registers) for i, item in enumerate(raw)]
            setattr(rb, "finally_" if section == "finally" else section, [s for s in steps if s])
        if rb.targets is not None:
            for text in rb.targets if isinstance(rb.targets, list) else [rb.targets]:
                self.template(("targets",), str(text), "text", self.known_base)
        return rb, self.problems

    def top(self, data: dict, rb: Runbook) -> None:
        for key in data:
            if key not in TOP_KEYS:
                close = _close(str(key), TOP_KEYS, n=1)
                self.report((key,), f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(TOP_KEYS)})"))
        if not NAME_RE.match(rb.name):
            self.report(("name",), "name is required: lower-case letters, digits, - and _")
        elif rb.name != self.path.stem:
            self.report(("name",), f"name {rb.name!r} differs from the file name {self.path.name} (sop run finds SOPs by file name)")
        rb.description = self.typed(data, "description", str, "text", "")
        rb.version = data.get("version", 1)
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.report(("tags",), "tags must be a list of words")
            tags = []
        rb.tags = tags
        targets = data.get("targets")
        if targets is not None and not (isinstance(targets, str) or (isinstance(targets, list) and all(isinstance(t, str) for t in targets))):
            self.report(("targets",), "targets must be a host or group name, a comma-separated list, or a list")
            targets = None
        rb.targets = targets
        rb.confirm = self.typed(data, "confirm", bool, "true or false", False)
        rb.lock = self.typed(data, "lock", bool, "true or false", False)
        rb.resolves = self.typed(data, "resolves", bool, "true or false", False)
        rb.timeout = self.number(data, ("timeout",), data.get("timeout"), 0.001, 86400)
        rb.requires = self.requires(data.get("requires"))

    def requires(self, value: Any) -> list[str]:
        from deskctl.runbooks.requirements import TOOL_NAME

        if value is None:
            return []
        tools = value if isinstance(value, list) else None
        if tools is None or not all(isinstance(t, str) and TOOL_NAME.fullmatch(t) for t in tools):
            self.report(("requires",), "requires must be a list of command names, e.g. [ping, traceroute]")
            return []
        return list(dict.fromkeys(tools))

    def typed(self, data: dict, key: str, kind: type, word: str, default: Any, keypath: tuple = ()) -> Any:
        value = data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.report((*keypath, key), f"{key} must be {word}")
            return default
        return value

    def number(self, data: dict, keypath: tuple, value: Any, low: float, high: float) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.report(keypath, f"{keypath[-1]} must be a number between {low:g} and {high:g}")
            return None
        return float(value)

    def params(self, raw: Any) -> dict[str, Param]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.report(("params",), "params must be a mapping of name -> {type, required, ...}")
            return {}
        params: dict[str, Param] = {}
        for name, spec in raw.items():
            kp = ("params", name)
            if not isinstance(name, str) or not VAR_RE.match(name):
                self.report(kp, f"parameter name {name!r} must be letters, digits and _")
                continue
            if name in templating.BUILTINS:
                self.report(kp, f"parameter name {name!r} is reserved (built-in: {', '.join(sorted(templating.BUILTINS))})")
            spec = {"type": spec} if isinstance(spec, str) else (spec or {})
            if not isinstance(spec, dict):
                self.report(kp, f"parameter {name!r} must be a mapping such as {{type: string, required: true}}")
                continue
            for key in spec:
                if key not in PARAM_KEYS:
                    self.report((*kp, key), f"parameter {name!r}: unknown key {key!r} (known: {', '.join(PARAM_KEYS)})")
            p = Param(name=name, keypath=kp, locate=self.lines)
            p.type = str(spec.get("type", "string"))
            if p.type not in PARAM_TYPES:
                self.report((*kp, "type"), f"parameter {name!r}: unknown type {p.type!r} (types: {', '.join(PARAM_TYPES)})")
                p.type = "string"
            p.required = self.typed(spec, "required", bool, "true or false", False, kp)
            p.secret = self.typed(spec, "secret", bool, "true or false", False, kp)
            p.description = self.typed(spec, "description", str, "text", "", kp)
            p.min = self.typed(spec, "min", int, "a whole number", None, kp)
            p.max = self.typed(spec, "max", int, "a whole number", None, kp)
            p.length = self.typed(spec, "length", int, "a whole number", 20, kp)
            p.generate = spec.get("generate")
            if p.generate not in (None, "password"):
                self.report((*kp, "generate"), f"parameter {name!r}: generate must be `password`")
                p.generate = None
            choices = spec.get("choices")
            if choices is not None:
                if not isinstance(choices, list) or not choices:
                    self.report((*kp, "choices"), f"parameter {name!r}: choices must be a non-empty list")
                else:
                    p.choices = [_yaml_str(c) for c in choices]
            if p.type == "choice" and not p.choices:
                self.report(kp, f"parameter {name!r}: type choice needs `choices:`")
            pattern = spec.get("pattern")
            if pattern is not None:
                try:
                    re.compile(str(pattern))
                    p.pattern = str(pattern)
                except re.error as exc:
                    self.report((*kp, "pattern"), f"parameter {name!r}: bad pattern: {exc}")
            self.path_roots(spec, p, kp)
            if "default" in spec and spec["default"] is not None:
                from deskctl.runbooks.params import coerce

                default = _yaml_str(spec["default"]) if p.type == "choice" else spec["default"]
                value, problem = coerce(p, default)
                if problem:
                    self.report((*kp, "default"), f"parameter {name!r}: default {problem}")
                p.default = value
            params[name] = p
        return params

    def path_roots(self, spec: dict, p: Param, kp: tuple) -> None:
        """`allow`, `deny` and `deletes` of a `path` parameter, roots normalised like values."""
        from deskctl.runbooks.params import is_under, normalise_path

        p.deletes = self.typed(spec, "deletes", bool, "true or false", False, kp)
        for key in ("allow", "deny"):
            if key not in spec:
                continue
            raw = spec[key]
            if p.type != "path":
                self.report((*kp, key), f"parameter {p.name!r}: {key} is only for type path")
                continue
            if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
                self.report((*kp, key), f"parameter {p.name!r}: {key} must be a non-empty list of absolute folders")
                continue
            roots = []
            for root in raw:
                normal, problem = normalise_path(root)
                if problem:
                    self.report((*kp, key), f"parameter {p.name!r}: {key} {root!r} {problem}")
                elif normal not in roots:
                    roots.append(normal)
            setattr(p, key, roots)
        if p.deletes and p.type != "path":
            self.report((*kp, "deletes"), f"parameter {p.name!r}: deletes is only for type path")
        if p.deletes and "/" in (p.allow or []):
            self.report((*kp, "allow"), f"parameter {p.name!r}: a parameter that deletes never allows the filesystem root /")
        for root in p.allow or []:
            blocked = [d for d in p.deny or [] if root == d or (d != "/" and is_under(root, d))]
            if blocked:
                self.report((*kp, "allow"), f"parameter {p.name!r}: allowed folder {root} is denied by {blocked[0]} (deny wins)")

    def step(self, raw: Any, kp: tuple, registers: set[str]) -> Step | None:
        if not isinstance(raw, dict):
            self.report(kp, "a step must be a mapping with `name:` and one action such as `ssh:`")
            return None
        types = self.lib.step_types
        actions = [k for k in raw if k in types]
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.report(kp, "a step needs a `name:`")
            name = f"step {kp[1] + 1}"
        allowed = set(COMMON_STEP_KEYS)
        for action in actions:
            allowed |= set(types[action].options) | {action}
        for key in raw:
            if key not in allowed:
                close = _close(str(key), [*types, *COMMON_STEP_KEYS], n=1)
                what = "step type or key" if not actions else "key"
                hint = f" (did you mean {close[0]!r}?)" if close else f" (step types: {', '.join(sorted(types))})"
                self.report((*kp, key), f"step {name!r}: unknown {what} {key!r}{hint}")
        if len(actions) != 1:
            if not actions and all(k in allowed for k in raw):
                self.report(kp, f"step {name!r} has no action: give one of {', '.join(sorted(types))}")
            elif len(actions) > 1:
                self.report(kp, f"step {name!r} has several actions ({', '.join(actions)}): one per step")
            return None
        kind = actions[0]
        step = Step(name=name, type=kind, action=raw[kind], raw=raw, keypath=kp, locate=self.lines, label=self.label)
        step.when = raw.get("when")
        if isinstance(step.when, bool):
            step.when = "true" if step.when else "false"
        elif step.when is not None and not isinstance(step.when, str):
            self.report((*kp, "when"), f"step {name!r}: when must be an expression such as saved == 'yes'")
            step.when = None
        reg = raw.get("register")
        if reg is not None and (not isinstance(reg, str) or not VAR_RE.match(reg)):
            self.report((*kp, "register"), f"step {name!r}: register must be a variable name")
            reg = None
        step.register = reg
        step.expect = self.expect(raw.get("expect"), (*kp, "expect"), name)
        retries = raw.get("retries", 0)
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 100:
            self.report((*kp, "retries"), f"step {name!r}: retries must be a whole number from 0 to 100")
            retries = 0
        step.retries = retries
        step.delay = self.number(raw, (*kp, "delay"), raw.get("delay"), 0, 3600) or (1.0 if "delay" not in raw else 0.0)
        step.timeout = self.number(raw, (*kp, "timeout"), raw.get("timeout"), 0.001, 86400)
        step.sudo = self.typed(raw, "sudo", bool, "true or false", False, kp)
        step.continue_on_error = self.typed(raw, "continue_on_error", bool, "true or false", False, kp)
        for message in types[kind].validate(step, self):
            key, sep, rest = message.partition(": ")
            if sep and key in raw:
                self.report((*kp, key), f"step {name!r}: {rest}")
            else:
                self.report(kp, f"step {name!r}: {message}")
        known = self.known_base | registers
        if step.when:
            self.template((*kp, "when"), step.when, "expr", known)
        for key, text, mode in types[kind].templates(step):
            self.template((*kp, key), text, mode, known)
        if kind == "include":
            self.include(step, kp, registers)
        if step.register:
            registers.add(step.register)
        return step

    def expect(self, raw: Any, kp: tuple, name: str) -> dict | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.report(kp, f"step {name!r}: expect must be a mapping (rc, stdout, stderr, stdout_matches, stderr_matches)")
            return None
        for key, value in raw.items():
            if key not in EXPECT_KEYS:
                self.report((*kp, key), f"step {name!r}: unknown expect key {key!r} (known: {', '.join(EXPECT_KEYS)})")
            elif key == "rc" and not (isinstance(value, int) and not isinstance(value, bool) or isinstance(value, list) and all(isinstance(v, int) for v in value)):
                self.report((*kp, key), f"step {name!r}: expect.rc must be an exit code or a list of them")
            elif key.endswith("_matches"):
                try:
                    re.compile(str(value))
                except re.error as exc:
                    self.report((*kp, key), f"step {name!r}: bad regular expression: {exc}")
        return raw

    def template(self, kp: tuple, text: str, mode: str, known: set[str]) -> None:
        if mode != "expr" and not templating.is_template(text):
            return
        names, error = templating.undeclared(text, mode)
        if error:
            self.report(kp, error)
            return
        for missing in sorted(names - known):
            self.report(kp, f"undefined variable {missing!r} in template" + _suggest(missing, known))

    def include(self, step: Step, kp: tuple, registers: set[str]) -> None:
        target = step.action
        if not isinstance(target, str):
            return  # the step type reports it
        if not NAME_RE.match(target):
            self.report((*kp, "include"), f"step {step.name!r}: include {target!r} is not a SOP name: "
                                          "lower-case letters, digits, - and _ (no paths)")
            return
        if target in self.stack or target == self.path.stem or len(self.stack) >= MAX_INCLUDE_DEPTH:
            self.report(kp, f"step {step.name!r}: include {target!r} makes a cycle ({' -> '.join([*self.stack, self.path.stem, target])})")
            return
        try:
            path = self.lib.path_of(target)
        except NotFound as exc:
            self.report((*kp, "include"), f"step {step.name!r}: {exc}")
            return
        child, problems = self.lib.check(path, (*self.stack, self.path.stem))
        if problems or child is None:
            self.problems += problems
            return
        given = step.raw.get("params") or {}
        if not isinstance(given, dict):
            self.report((*kp, "params"), f"step {step.name!r}: params must be a mapping")
            given = {}
        for key, value in given.items():
            if key not in child.params:
                self.report((*kp, "params", key), f"step {step.name!r}: {target} has no parameter {key!r}")
            elif templating.is_template(value):
                self.template((*kp, "params", key), str(value), "text", self.known_base | registers)
        for pname, param in child.params.items():
            if param.required and param.default is None and not param.generate and pname not in given:
                self.report((*kp, "params"), f"step {step.name!r}: {target} needs parameter {pname!r}")
        step.child_sop = child
        step.children = child.steps
        for inner in child.all_steps():
            if inner.register:
                registers.add(inner.register)


def _suggest(name: str, known: set[str]) -> str:
    close = _close(name, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else " (not a parameter, register, host variable or built-in)"


def _close(word: str, candidates, n: int = 1) -> list[str]:
    import difflib  # only when a message needs a suggestion

    return difflib.get_close_matches(word, list(candidates), n=n)
