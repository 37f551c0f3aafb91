"""The SOP format as a JSON Schema (draft 2020-12), for editors, CI and docs/runbooks.md.
deskctl itself validates with `loader` (which also checks templates and gives file:line);
this schema describes the same shape for other tools."""

from __future__ import annotations

from typing import Any

from deskctl.runbooks.model import PARAM_TYPES

_STEP_COMMON: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1},
    "when": {"type": ["string", "boolean"], "description": "Jinja2 expression; the step is skipped when false"},
    "register": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
    "expect": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "rc": {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]},
            "stdout": {"type": "string"}, "stderr": {"type": "string"},
            "stdout_matches": {"type": "string"}, "stderr_matches": {"type": "string"},
        },
    },
    "retries": {"type": "integer", "minimum": 0, "maximum": 100},
    "delay": {"type": "number", "minimum": 0, "maximum": 3600},
    "timeout": {"type": "number", "exclusiveMinimum": 0},
    "sudo": {"type": "boolean"},
    "continue_on_error": {"type": "boolean"},
}  # fmt: skip

_ACTIONS: dict[str, dict[str, Any]] = {
    "ssh": {"type": "string"}, "local": {"type": "string"},
    "check": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "prompt": {"type": "string"},
    "wait_for": {"type": "object", "properties": {"port": {"type": "integer"}, "host": {"type": "string"},
                 "command": {"type": "string"}, "timeout": {"type": "number"}, "interval": {"type": "number"}}},
    "http": {"oneOf": [{"type": "string"}, {"type": "object", "required": ["url"]}]},
    "ticket": {"type": "object", "properties": {"comment": {"type": "string"}, "internal": {"type": "boolean"},
               "attach": {"type": "string"}, "resolve": {"type": "string"}}},
    "include": {"type": "string"},
}  # fmt: skip
_OPTIONS: dict[str, dict[str, Any]] = {
    "stdin": {"type": "string"}, "save": {"type": "string"}, "msg": {"type": "string"},
    "choices": {"type": "array"}, "default": {}, "params": {"type": "object"},
}


def json_schema(step_types: list[str] | None = None) -> dict[str, Any]:
    names = step_types or sorted(_ACTIONS)
    step = {
        "type": "object",
        "required": ["name"],
        "properties": {**_STEP_COMMON, **{n: _ACTIONS.get(n, {}) for n in names}, **_OPTIONS},
        "additionalProperties": False,
        "oneOf": [{"required": [n]} for n in names],
        "description": "name, exactly one action (the step type), and optional common keys",
    }
    param = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "type": {"enum": list(PARAM_TYPES), "default": "string"}, "required": {"type": "boolean"},
            "default": {}, "choices": {"type": "array", "minItems": 1}, "pattern": {"type": "string", "format": "regex"},
            "description": {"type": "string"}, "secret": {"type": "boolean"}, "generate": {"enum": ["password"]},
            "length": {"type": "integer", "minimum": 12}, "min": {"type": "integer"}, "max": {"type": "integer"},
            "allow": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^/"},
                      "description": "type path: the folders a value must be in (after normalising . .. //)"},
            "deny": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^/"},
                     "description": "type path: folders a value may never be or be in (wins over allow)"},
            "deletes": {"type": "boolean", "description": "type path: the SOP deletes there; / is never allowed"},
        },
    }  # fmt: skip
    steps = {"type": "array", "items": {"$ref": "#/$defs/step"}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://deskctl.example/schemas/sop.json",
        "title": "deskctl SOP runbook",
        "type": "object",
        "required": ["name", "steps"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"},
            "description": {"type": "string"}, "version": {"type": ["integer", "string"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "params": {"type": "object", "additionalProperties": {"$ref": "#/$defs/param"},
                       "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}},
            "targets": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "confirm": {"type": "boolean"}, "lock": {"type": "boolean"}, "resolves": {"type": "boolean"},
            "timeout": {"type": "number", "exclusiveMinimum": 0},
            "requires": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._+-]*$"}},
            "steps": {**steps, "minItems": 1}, "rollback": steps, "finally": steps,
        },
        "$defs": {"step": step, "param": param},
    }  # fmt: skip
