"""Runbook objects as loaded from `sops/*.yaml` (after validation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# keys every step may have besides its one action key (see docs/runbooks.md)
COMMON_STEP_KEYS = (
    "name", "when", "register", "expect", "retries", "delay", "timeout", "sudo",
    "continue_on_error",
)  # fmt: skip
PARAM_TYPES = ("string", "int", "bool", "choice", "host", "user", "email", "password", "path", "account")
TOP_KEYS = (
    "name", "description", "version", "tags", "params", "targets", "confirm", "lock",
    "resolves", "timeout", "requires", "steps", "rollback", "finally",
)  # fmt: skip
SECTIONS = ("steps", "rollback", "finally")


@dataclass
class Param:
    name: str
    type: str = "string"
    required: bool = False
    default: Any = None
    choices: list[Any] | None = None
    pattern: str | None = None
    description: str = ""
    secret: bool = False
    generate: str | None = None
    length: int = 20
    min: int | None = None
    max: int | None = None
    allow: list[str] | None = None  # `path`: the roots a value must be under (None: anywhere)
    deny: list[str] | None = None  # `path`: roots a value may never be, nor be under
    deletes: bool = False  # `path`: the SOP deletes or changes files there (never the root)
    keypath: tuple = ()
    locate: Any = None  # keypath -> line, computed only when a message needs it

    @property
    def line(self) -> int:
        return self.locate(self.keypath) if self.locate else 1

    @property
    def is_secret(self) -> bool:
        return self.secret or self.type == "password" or self.generate is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "required": self.required,
            "default": None if self.is_secret else self.default, "choices": self.choices,
            "pattern": self.pattern, "description": self.description, "secret": self.is_secret,
            "generate": self.generate,
            **({"allow": self.allow, "deny": self.deny, "deletes": self.deletes} if self.type == "path" else {}),
        }  # fmt: skip


@dataclass
class Step:
    name: str
    type: str
    action: Any
    raw: dict[str, Any]
    keypath: tuple = ()
    locate: Any = None
    label: str = ""  # the file it comes from (an included step: the included file)
    when: str | None = None
    register: str | None = None
    expect: dict[str, Any] | None = None
    retries: int = 0
    delay: float = 1.0
    timeout: float | None = None
    sudo: bool = False
    continue_on_error: bool = False
    children: list[Step] = field(default_factory=list)  # the steps of an `include`
    child_sop: Any = None  # the included Runbook

    @property
    def line(self) -> int:
        return self.locate(self.keypath) if self.locate else 1

    @property
    def nested(self) -> list[Step]:
        """The steps an `include` runs: the included SOP's steps, rollback and finally."""
        if self.child_sop is None:
            return list(self.children)
        return [*self.children, *self.child_sop.rollback, *self.child_sop.finally_]

    def line_of(self, key: str) -> int:
        return self.locate((*self.keypath, key)) if self.locate else 1

    @property
    def where(self) -> str:
        return f"{self.label}:{self.line}"

    def option(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "type": self.type, self.type: self.action}
        for key in ("when", "register", "expect"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.sudo:
            data["sudo"] = True
        return data


@dataclass
class Runbook:
    name: str
    path: Any
    label: str
    description: str = ""
    version: Any = 1
    tags: list[str] = field(default_factory=list)
    params: dict[str, Param] = field(default_factory=dict)
    targets: Any = None
    confirm: bool = False
    lock: bool = False
    resolves: bool = False
    timeout: float | None = None
    requires: list[str] = field(default_factory=list)  # commands every target host must have
    steps: list[Step] = field(default_factory=list)
    rollback: list[Step] = field(default_factory=list)
    finally_: list[Step] = field(default_factory=list)
    content_hash: str = ""

    def section(self, name: str) -> list[Step]:
        return self.finally_ if name == "finally" else getattr(self, name)

    def all_steps(self) -> list[Step]:
        """Every step of every section, included SOPs' steps too (depth first)."""
        found: list[Step] = []

        def walk(steps: list[Step]) -> None:
            for step in steps:
                found.append(step)
                walk(step.nested)

        for section in SECTIONS:
            walk(self.section(section))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "file": self.label, "description": self.description,
            "version": self.version, "tags": self.tags,
            "params": [p.to_dict() for p in self.params.values()], "targets": self.targets,
            "confirm": self.confirm, "lock": self.lock, "resolves": self.resolves,
            "steps": [s.to_dict() for s in self.steps],
            "rollback": [s.to_dict() for s in self.rollback],
            "finally": [s.to_dict() for s in self.finally_], "hash": self.content_hash,
        }  # fmt: skip
