"""Ticket forms: the key facts a desk records on its tickets besides the built-in attributes
(where the problem is, when it started, the error code, what was already tried, ...).

The desk declares them under `tickets.fields` in its config (see docs/forms.md):

    tickets:
      fields:
        location:
          type: text
          help: building, floor and room
          required: {at: create, types: [incident]}

A field has a `type` (text, choice, date-time, number, host, service; text when not given),
optional `help`, `choices` (choice), `min`/`max` (number), `types`/`categories` (the tickets it
belongs to; all when not given) and `required` (at `create` or at `resolve`, optionally only
for some types, categories or channels). Values are stored on the ticket under `fields`, typed:
text and names as strings, numbers as numbers, date-times as UTC ISO 8601 strings.

Nothing here is imported that a ticket command could not afford (see docs/contributing.md);
difflib only on the error path.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from deskctl.errors import BadInput

if TYPE_CHECKING:
    from typing import Any

FIELD_TYPES = ("text", "choice", "date-time", "number", "host", "service")
STAGES = ("create", "resolve")
# what a requirement may be limited to -> the ticket attribute it looks at
CONDITIONS = {"types": "type", "categories": "category", "channels": "channel"}
# `choices: languages` takes its choices from one of the desk's own lists
CHOICE_LISTS = {"languages": ("languages",), "categories": ("tickets", "categories"),
                "services": ("tickets", "services"), "groups": ("tickets", "groups"),
                "channels": ("tickets", "channels")}
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TEXT = 2000  # characters in one text value: a fact, not a transcript (that is the description)
# what to write after `--field NAME=` when a field's value is asked for
INPUT_WORD = {"text": "TEXT", "choice": "CHOICE", "date-time": "TIME", "number": "NUMBER",
              "host": "HOST", "service": "SERVICE"}
TIME_HINT = "an ISO 8601 time like 2026-12-03T09:30 (the desk's time zone) or 2026-12-03T09:30+01:00, or now, 2h (ago)"


def definitions(desk) -> dict[str, dict]:
    """The desk's fields, name -> definition (a field set to null in the config is turned off)."""
    fields = desk.setting("tickets", "fields", default={}) or {}
    return {name: spec for name, spec in fields.items() if isinstance(spec, dict)}


def field_type(spec: dict) -> str:
    return str(spec.get("type") or "text")


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def applies(spec: dict, ticket_type: str | None, category: str | None) -> bool:
    """Whether the field belongs on a ticket of this type and category."""
    types, categories = _names(spec.get("types")), _names(spec.get("categories"))
    return (not types or ticket_type in types) and (not categories or category in categories)


def requirements(spec: dict) -> list[dict]:
    """`required` as a list of {at, types?, categories?, channels?}."""
    required = spec.get("required")
    if not required:
        return []
    items = required if isinstance(required, list) else [required]
    return [{"at": item} if isinstance(item, str) else dict(item) for item in items if item]


def required_at(spec: dict, stage: str, ticket: dict) -> bool:
    """Whether the field must have a value at `stage` on a ticket like `ticket` (type,
    category and channel are what count)."""
    if not applies(spec, ticket.get("type"), ticket.get("category")):
        return False
    for requirement in requirements(spec):
        if requirement.get("at") != stage:
            continue
        if all(not _names(requirement.get(key)) or ticket.get(attribute) in _names(requirement.get(key))
               for key, attribute in CONDITIONS.items()):
            return True
    return False


def choices_of(desk, spec: dict) -> list[str]:
    choices = spec.get("choices")
    if isinstance(choices, str):
        return [str(c) for c in desk.setting(*CHOICE_LISTS.get(choices, (choices,)), default=[]) or []]
    return [str(c) for c in choices or []]


def input_hint(desk, name: str, spec: dict) -> str:
    """`--field location=TEXT [building, floor and room]`: how to give the field."""
    kind = field_type(spec)
    word = INPUT_WORD.get(kind, "VALUE")
    if kind == "choice":
        word = "|".join(choices_of(desk, spec)) or word
    text = f"--field {name}={word}"
    return f"{text} [{spec['help']}]" if spec.get("help") else text


def describe(desk) -> list[dict]:
    """The form as `ticket fields` lists it: one row per field, with what it takes and when it
    is required."""
    rows = []
    for name, spec in definitions(desk).items():
        kind = field_type(spec)
        takes = "|".join(choices_of(desk, spec)) if kind == "choice" else kind
        required = []
        for requirement in requirements(spec):
            limits = [", ".join(_names(requirement.get(key))) for key in CONDITIONS if requirement.get(key)]
            required.append(f"at {requirement.get('at')}" + (f" ({'; '.join(limits)})" if limits else ""))
        rows.append({"name": name, "type": kind, "takes": takes, "help": str(spec.get("help") or ""),
                     "types": _names(spec.get("types")), "categories": _names(spec.get("categories")),
                     "required": requirements(spec), "required_text": "; ".join(required) or "-"})
    return rows


# -- values -------------------------------------------------------------------------------------

def _bad(name: str, raw: Any, valid: str) -> BadInput:
    shown = repr(raw) if len(str(raw)) <= 60 else repr(str(raw)[:57] + "...")
    return BadInput(f"field {name}: {shown} is not valid", f"give {valid}")


def _close(word: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def _one_of(name: str, raw: Any, allowed: list[str], what: str) -> str:
    text = str(raw).strip()
    if text in allowed:
        return text
    folded = {a.casefold(): a for a in allowed}
    if text.casefold() in folded:
        return folded[text.casefold()]
    shown = ", ".join(allowed[:30]) + (", ..." if len(allowed) > 30 else "")
    raise _bad(name, raw, f"{_close(text, allowed)}{what}: {shown or 'none defined'}")


def _number(name: str, spec: dict, raw: Any) -> int | float:
    low, high = spec.get("min"), spec.get("max")
    bounds = (f" from {low:g} to {high:g}" if low is not None and high is not None else
              f" of at least {low:g}" if low is not None else f" of at most {high:g}" if high is not None else "")
    valid = f"a number{bounds}, e.g. --field {name}={int(low) if low is not None else 1}"
    if isinstance(raw, bool):
        raise _bad(name, raw, valid)
    if isinstance(raw, int | float):
        value = raw
    else:
        try:
            text = str(raw).strip().replace("_", "")
            value = int(text) if re.fullmatch(r"[+-]?\d{1,18}", text) else float(text)
        except ValueError:
            raise _bad(name, raw, valid) from None
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        raise _bad(name, raw, valid)
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def _moment(desk, name: str, raw: Any) -> str:
    from zoneinfo import ZoneInfo

    from deskctl.util.moments import parse_moment, utc_iso

    zone = str(desk.setting("timezone", default="UTC"))
    try:
        return utc_iso(parse_moment(str(raw), f"field {name}", ZoneInfo(zone), bare_duration=-1))
    except BadInput:
        raise _bad(name, raw, TIME_HINT.replace("the desk's time zone", zone)) from None


def _host(desk, name: str, raw: Any) -> str:
    from deskctl.executor.inventory import load_inventory

    hosts = sorted(load_inventory(desk).hosts)
    return _one_of(name, raw, hosts, "a host of config/inventory.yaml")


def parse_value(desk, name: str, spec: dict, raw: Any) -> Any:
    """The typed value of field `name` given as `raw`; BadInput naming the field and what it takes."""
    kind = field_type(spec)
    if kind == "number":
        return _number(name, spec, raw)
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise _bad(name, raw if raw is not None else "", "a value: " + input_hint(desk, name, spec))
    if kind == "choice":
        return _one_of(name, text, choices_of(desk, spec), "one of")
    if kind == "date-time":
        return _moment(desk, name, text)
    if kind == "host":
        return _host(desk, name, text)
    if kind == "service":
        return _one_of(name, text, [str(s) for s in desk.setting("tickets", "services", default=[]) or []],
                       "a service of the desk's catalogue")
    if len(text) > MAX_TEXT:
        raise _bad(name, text, f"at most {MAX_TEXT} characters (put long text in the description)")
    return text


def unknown_field(name: str, known: dict) -> BadInput:
    names = sorted(known)
    if not names:
        return BadInput(f"unknown field {name!r}: this desk defines no ticket fields",
                        "declare them under tickets.fields in config/deskctl.yaml (see docs/forms.md)")
    return BadInput(f"unknown field {name!r}", f"{_close(name, names)}known fields: {', '.join(names)}")


def parse_values(desk, given: dict[str, Any], *, ticket_type: str | None, category: str | None,
                 clearing: bool = False) -> dict[str, Any]:
    """`given` (name -> value as written) checked against the desk's fields and typed.
    With `clearing`, an empty value means "remove the field" (None)."""
    known = definitions(desk)
    values: dict[str, Any] = {}
    for name, raw in given.items():
        spec = known.get(name)
        if spec is None:
            raise unknown_field(name, known)
        if clearing and (raw is None or str(raw).strip() == ""):
            values[name] = None
            continue
        if not applies(spec, ticket_type, category):
            where = [*(f"type {t}" for t in _names(spec.get("types"))),
                     *(f"category {c}" for c in _names(spec.get("categories")))]
            raise BadInput(f"field {name} is not on {ticket_type} tickets of category {category or '(none)'}",
                           f"it belongs to tickets of {' or '.join(where)}")
        values[name] = parse_value(desk, name, spec, raw)
    return values


def check_required(desk, stage: str, ticket: dict, values: dict[str, Any]) -> None:
    """BadInput naming every field the form requires at `stage` that `values` lacks, and how
    to give each."""
    known = definitions(desk)
    missing = [name for name, spec in known.items()
               if required_at(spec, stage, ticket) and values.get(name) in (None, "")]
    if not missing:
        return
    what = f"{ticket.get('type') or 'these'} tickets"
    verb = "creating" if stage == "create" else "resolving"
    fields = ", ".join(missing)
    raise BadInput(f"{'field ' if len(missing) == 1 else 'fields '}{fields} {'is' if len(missing) == 1 else 'are'} "
                   f"required when {verb} {what}",
                   "add " + " ".join(input_hint(desk, name, known[name]) for name in missing))


def category_required(desk) -> bool:
    return bool(desk.setting("tickets", "require_category_at_resolve", default=True))


def check_category(desk, category: str | None, ticket_id: str | None = None) -> None:
    """BadInput when the desk requires a category at resolve and there is none."""
    if category or not category_required(desk):
        return
    categories = [str(c) for c in desk.setting("tickets", "categories", default=[]) or []]
    raise BadInput(f"{ticket_id or 'the ticket'} has no category, and this desk requires one to resolve a ticket",
                   f"add --category with one of: {', '.join(categories)}")


def matches(spec: dict, stored: Any, wanted: Any) -> bool:
    """Whether a stored value matches a `ticket list --field` filter value (already typed):
    text contains it (any case), a date-time falls in a (start, end) span, anything else
    equals it."""
    if stored is None:
        return False
    if field_type(spec) == "text":
        return str(wanted).casefold() in str(stored).casefold()
    if isinstance(wanted, tuple):
        return wanted[0] <= stored < wanted[1]
    return stored == wanted


def filter_value(desk, name: str, spec: dict, raw: Any) -> Any:
    """A `ticket list --field` value typed like the field; a day (`2026-12-03`) for a
    date-time field stands for that whole day in the desk's time zone."""
    text = str(raw).strip()
    if field_type(spec) == "date-time" and len(text) == 10 and text[4:5] == "-":
        from zoneinfo import ZoneInfo

        from deskctl.util.moments import parse_moment, utc_iso

        zone = ZoneInfo(str(desk.setting("timezone", default="UTC")))
        try:
            start = parse_moment(text, f"field {name}", zone)
            end = parse_moment(text, f"field {name}", zone, end_of_day=True)
        except BadInput:
            raise _bad(name, raw, TIME_HINT.replace("the desk's time zone", str(zone))) from None
        return (utc_iso(start), utc_iso(end))
    return parse_value(desk, name, spec, raw)


def display_value(spec: dict, value: Any, zone: str) -> str:
    if field_type(spec) == "date-time" and isinstance(value, str):
        from deskctl.util.moments import format_local

        try:
            return format_local(value, zone)
        except ValueError:
            return value
    return str(value)
