"""Announcement kinds and the fields each one takes.

A field has a type that says how it is written and checked:
``services`` (list of service names), ``datetime``, ``text`` (one string or a mapping
language -> string), ``string`` (one plain string), ``choice`` (one of ``choices``) and
``languages`` (a list of desk languages). Desks may add fields and kinds, or change which
fields a built-in kind requires, under ``announcements.fields`` / ``announcements.kinds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deskctl.errors import NotFound

FIELD_TYPES = ("services", "datetime", "text", "string", "choice", "languages")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    help: str = ""
    choices: tuple[str, ...] = ()


@dataclass
class Kind:
    name: str
    summary: str
    required: list[str]
    optional: list[str]
    # an outage kind shows its bulletin when a ticket is opened for an affected service
    outage: bool = False
    fields: dict[str, FieldSpec] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return [*self.required, *self.optional]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "required": self.required,
            "optional": self.optional,
            "outage": self.outage,
        }


CATALOGUE: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("services", "services", "affected services, e.g. [mail, calendar]"),
        FieldSpec("start", "datetime", "when it starts (ISO 8601; without a zone: the desk's zone)"),
        FieldSpec("end", "datetime", "when it ends, or is estimated to end"),
        FieldSpec("impact", "text", "what users will notice"),
        FieldSpec("workaround", "text", "what users can do meanwhile"),
        FieldSpec("cause", "text", "why it happens"),
        FieldSpec("contact", "text", "whom to contact (default: the desk's e-mail and phone)"),
        FieldSpec("severity", "choice", "minor or major (major needs higher approval)", ("minor", "major")),
        FieldSpec("audience", "text", "who is affected, e.g. 'all staff in Milan'"),
        FieldSpec("languages", "languages", "languages to publish in (default: the desk's languages)"),
        FieldSpec("title", "text", "a headline that replaces the template's subject"),
        FieldSpec("changes", "text", "what the update changes for users"),
        FieldSpec("features", "text", "what is new for users"),
        FieldSpec("resolution", "text", "what was done to end it"),
        FieldSpec("what_happened", "text", "what happened (post-incident report)"),
        FieldSpec("what_was_fixed", "text", "what was fixed (post-incident report)"),
        FieldSpec("preventive_measures", "text", "what will stop it happening again"),
        FieldSpec("cancellation", "text", "what to tell users about the cancellation, e.g. the new date"),
    )
}

# Every kind takes these, so shared layouts may use them without knowing the kind.
COMMON_OPTIONAL = ["cause", "impact", "workaround", "contact", "severity", "audience", "languages", "title", "end"]

BUILTIN_KINDS: dict[str, dict[str, Any]] = {
    "planned-maintenance": {
        "summary": "planned work that interrupts or slows a service",
        "required": ["services", "start", "end", "impact"], "outage": True,
    },
    "unplanned-outage": {
        "summary": "a service is down now",
        "required": ["services", "start", "impact"], "outage": True,
    },
    "degraded-service": {
        "summary": "a service works but slowly or only in part",
        "required": ["services", "start", "impact"], "outage": True,
    },
    "system-update": {
        "summary": "an update that changes how a system behaves",
        "required": ["services", "start", "changes"],
    },
    "feature-release": {
        "summary": "a new feature users can start using",
        "required": ["services", "start", "features"],
    },
    "resolved": {
        "summary": "closing notice: the event is over",
        "required": ["services", "start", "end"], "extra": ["resolution"],
    },
    "cancelled": {
        "summary": "cancellation notice: an announced event will not happen",
        "required": ["services", "start"], "extra": ["cancellation"],
    },
    "post-incident": {
        "summary": "what happened, what was fixed, what will prevent it",
        "required": ["services", "start", "end", "what_happened", "what_was_fixed", "preventive_measures"],
        "extra": ["resolution"],
    },
}

# The notice `announce resolve` publishes is rendered with this kind's templates.
CLOSING_KIND = "resolved"
# ... and the one `announce cancel` publishes with this kind's.
CANCEL_KIND = "cancelled"
# What a cancellation notice carries over from what the public saw: which event it was.
CANCEL_CARRIED = ("services", "start", "end", "contact", "severity", "audience", "languages")


def _kind_from(name: str, spec: dict[str, Any], catalogue: dict[str, FieldSpec]) -> Kind:
    required = list(spec.get("required", []))
    optional = [f for f in [*COMMON_OPTIONAL, *spec.get("extra", []), *spec.get("optional", [])] if f not in required]
    optional = list(dict.fromkeys(optional))
    names = [*required, *optional]
    return Kind(
        name=name,
        summary=str(spec.get("summary", "")),
        required=required,
        optional=optional,
        outage=bool(spec.get("outage", False)),
        fields={n: catalogue[n] for n in names if n in catalogue},
    )


def catalogue_for(config: dict) -> dict[str, FieldSpec]:
    """The built-in field catalogue plus the desk's `announcements.fields` (name -> type)."""
    catalogue = dict(CATALOGUE)
    extra = (config.get("announcements") or {}).get("fields") or {}
    if isinstance(extra, dict):
        for name, spec in extra.items():
            if isinstance(spec, str):
                spec = {"type": spec}
            if isinstance(spec, dict) and spec.get("type") in FIELD_TYPES:
                choices = tuple(str(c) for c in spec.get("choices") or ())
                catalogue[str(name)] = FieldSpec(str(name), spec["type"], str(spec.get("help", "")), choices)
    return catalogue


def load_kinds(config: dict) -> dict[str, Kind]:
    """Built-in kinds, with the desk's `announcements.kinds` added or overriding them."""
    catalogue = catalogue_for(config)
    specs = {name: dict(spec) for name, spec in BUILTIN_KINDS.items()}
    custom = (config.get("announcements") or {}).get("kinds") or {}
    if isinstance(custom, dict):
        for name, spec in custom.items():
            if isinstance(spec, dict):
                specs[str(name)] = {**specs.get(str(name), {}), **spec}
    return {name: _kind_from(name, spec, catalogue) for name, spec in specs.items()}


def get_kind(config: dict, name: str) -> Kind:
    kinds = load_kinds(config)
    if name not in kinds:
        raise NotFound(f"unknown announcement kind {name!r}", f"choose one of: {', '.join(kinds)}")
    return kinds[name]
