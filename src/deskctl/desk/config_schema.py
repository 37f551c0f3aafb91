"""The one schema of `config/deskctl.yaml`: the type, range and allowed values of every key.

`deskctl config check` reports every mistake it finds as `file:line: message`; every other
command checks the file the same way when it first reads the configuration and stops at the
first mistake (see `Desk.config`), so a wrongly typed value never reaches the code that uses it.

The schema is a tree of small nodes (`Fields`, `MapOf`, `ListOf`, `Text`, `Int`, `Duration`,
...). Plugins add the sections they own through the `config_schema` hook (see hookspecs.py).
Plain classes, not dataclasses: this module runs on every command, and `dataclasses` imports
`inspect`, a noticeable share of a ticket command's start-up.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from deskctl.desk.defaults import DEFAULTS
from deskctl.errors import DeskError
from deskctl.tickets.forms import CHOICE_LISTS, CONDITIONS, FIELD_NAME, FIELD_TYPES, STAGES

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# one issue: (keypath, message, is_error); unknown keys are warnings
Issue = tuple
MAX_TEXT = 10_000  # characters in one setting
MAX_ITEMS = 10_000  # entries in one list or mapping
YEAR_SECONDS = 365 * 86400.0


def describe(value: Any) -> str:
    """A value as a message shows it: its kind, and the value itself when short."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, int | float):
        text = str(value) if abs(value) < 10**15 else f"{value:.3g}"
        return f"the number {text}"
    text = repr(str(value))
    return f"text {text if len(text) <= 40 else text[:37] + '...'}"


def dotted(keypath: tuple) -> str:
    return ".".join(str(k) for k in keypath) or "the file"


class Node:
    """One value's rule. `check` returns (valid, cleaned value) and appends issues; `expects`
    says in words what is wanted (for messages)."""

    __slots__ = ("expects", "help")

    def __init__(self, expects: str, help: str = ""):
        self.expects = expects
        self.help = help

    def check(self, value: Any, path: tuple, issues: list) -> tuple[bool, Any]:
        raise NotImplementedError

    def fail(self, path: tuple, issues: list, problem: str | None = None) -> tuple[bool, Any]:
        message = f"{dotted(path)}: {problem}" if problem else f"{dotted(path)} must be {self.expects}"
        if self.help:
            message += f" ({self.help})"
        issues.append((path, message, True))
        return False, None

    def wrong_type(self, value: Any, path: tuple, issues: list) -> tuple[bool, Any]:
        return self.fail(path, issues, f"must be {self.expects}, not {describe(value)}")


class AnyValue(Node):
    __slots__ = ()

    def __init__(self, help: str = ""):
        super().__init__("any value", help)

    def check(self, value, path, issues):
        return True, value


class Nullable(Node):
    """`node`, or empty (null / nothing written)."""

    __slots__ = ("node",)

    def __init__(self, node: Node):
        super().__init__(f"{node.expects}, or empty", node.help)
        self.node = node

    def check(self, value, path, issues):
        return (True, None) if value is None else self.node.check(value, path, issues)


class Text(Node):
    __slots__ = ("choices", "pattern", "nonempty")

    def __init__(self, help: str = "", *, choices: tuple | None = None, pattern: str | None = None,
                 nonempty: bool = False, expects: str | None = None):
        super().__init__(expects or ("one of: " + ", ".join(choices) if choices else
                                     "non-empty text" if nonempty else "text"), help)
        self.choices, self.pattern, self.nonempty = choices, pattern, nonempty

    def check(self, value, path, issues):
        if not isinstance(value, str):
            return self.wrong_type(value, path, issues)
        if len(value) > MAX_TEXT:
            return self.fail(path, issues, f"is {len(value)} characters long (at most {MAX_TEXT})")
        if self.nonempty and not value.strip():
            return self.fail(path, issues, f"must be {self.expects}, not empty")
        if self.choices is not None and value not in self.choices:
            return self.fail(path, issues, f"{value!r} is not one of: {', '.join(self.choices)}")
        if self.pattern is not None:
            import re

            if not re.fullmatch(self.pattern, value):
                return self.wrong_type(value, path, issues)
        return True, value


class Number(Node):
    """An int (or, unless `integer`, a float) within [low, high]; `above` excludes the low end."""

    __slots__ = ("low", "high", "above", "integer")

    def __init__(self, help: str = "", *, low: float | None = None, high: float | None = None,
                 above: bool = False, integer: bool = False):
        kind = "a whole number" if integer else "a number"
        if low is not None and high is not None:
            bounds = f" {'above' if above else 'from'} {low:g} {'and up to' if above else 'to'} {high:g}"
        elif low is not None:
            bounds = f" {'above' if above else 'of at least'} {low:g}"
        else:
            bounds = ""
        super().__init__(kind + bounds, help)
        self.low, self.high, self.above, self.integer = low, high, above, integer

    def check(self, value, path, issues):
        ok_type = isinstance(value, int) if self.integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or (isinstance(value, float) and not math.isfinite(value)):
            return self.wrong_type(value, path, issues)
        low_bad = self.low is not None and (value <= self.low if self.above else value < self.low)
        if low_bad or (self.high is not None and value > self.high):
            return self.wrong_type(value, path, issues)
        return True, value


def Int(help: str = "", *, low: int | None = None, high: int | None = None) -> Number:  # noqa: N802 - reads as a type
    return Number(help, low=low, high=high, integer=True)


class Bool(Node):
    __slots__ = ()

    def __init__(self, help: str = ""):
        super().__init__("true or false", help)

    def check(self, value, path, issues):
        return (True, value) if isinstance(value, bool) else self.wrong_type(value, path, issues)


class Duration(Node):
    """`30m`, `4h`, `2d`, `1w`, `1d12h` or a number of seconds, within [low, high] seconds;
    with `off`, also false/none/off (the feature is turned off)."""

    __slots__ = ("low", "high", "off")

    def __init__(self, help: str = "", *, low: float = 0.0, high: float = 10 * YEAR_SECONDS, off: bool = False):
        super().__init__("a duration like 30m, 4h, 2d or 1w" + (", or false to turn it off" if off else ""), help)
        self.low, self.high, self.off = low, high, off

    def check(self, value, path, issues):
        if self.off and _is_off(value):
            return True, value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return self.wrong_type(value, path, issues)
        from deskctl.util.durations import parse_duration

        try:
            seconds = parse_duration(value, dotted(path))
        except DeskError:
            return self.wrong_type(value, path, issues)
        if seconds < self.low:
            least = "longer than 0" if self.low <= 1 else f"at least {self.low:g} seconds"
            return self.fail(path, issues, f"{value!r} is too short (it must be {least})")
        if seconds > self.high:
            return self.fail(path, issues, f"{value!r} is too long (at most {self.high / 86400:g} days)")
        return True, value


def _is_off(value: Any) -> bool:
    """false, none, off, empty, or 0 (which the features read as false): turned off."""
    if value is None or value is False or (type(value) in (int, float) and value == 0):
        return True
    return isinstance(value, str) and value.strip().lower() in ("off", "none", "")


class Share(Node):
    """A share: `80%`, `80` or `0.8`; with `zero`, 0% is allowed too."""

    __slots__ = ("zero",)

    def __init__(self, help: str = "", *, zero: bool = False):
        super().__init__(f"a share like 25% or 100%{' (0% allowed)' if zero else ''}", help)
        self.zero = zero

    def check(self, value, path, issues):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return self.wrong_type(value, path, issues)
        text = str(value).strip()
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            return self.wrong_type(value, path, issues)
        if not math.isfinite(number):
            return self.wrong_type(value, path, issues)
        fraction = number / 100 if text.endswith("%") or number > 1 else number
        if not (0 <= fraction <= 1 if self.zero else 0 < fraction <= 1):
            return self.wrong_type(value, path, issues)
        return True, value


class TimeZone(Node):
    __slots__ = ()

    def __init__(self, help: str = "use an IANA name such as Europe/Rome"):
        super().__init__("a time zone", help)

    def check(self, value, path, issues):
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            return self.wrong_type(value, path, issues)
        if value not in _KNOWN_ZONES:
            from deskctl.sla.calendars import known_timezone

            if "\0" in value or ".." in value or not known_timezone(value):
                return self.fail(path, issues, f"unknown time zone {value!r}")
            _KNOWN_ZONES.add(value)
        return True, value


_KNOWN_ZONES = {"UTC"}  # found in this process: the desk's zone recurs in its calendars


class Date(Node):
    """A calendar date (2026-12-25, quoted or not) within the years `clock` accepts."""

    __slots__ = ()

    def __init__(self, help: str = ""):
        super().__init__("a date like 2026-12-25", help)

    def check(self, value, path, issues):
        import datetime as dt

        from deskctl.util.clock import MAX_YEAR, MIN_YEAR

        day = value if isinstance(value, dt.date) else None
        if isinstance(value, str) and len(value) <= 40:
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                day = None
        if day is None:
            return self.wrong_type(value, path, issues)
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            return self.fail(path, issues, f"{day.isoformat()} is outside the years {MIN_YEAR}-{MAX_YEAR}")
        return True, value


class Custom(Node):
    """A value checked by `func`, which raises ValueError (or a DeskError) with the problem."""

    __slots__ = ("func",)

    def __init__(self, expects: str, func: Callable[[Any], Any], help: str = ""):
        super().__init__(expects, help)
        self.func = func

    def check(self, value, path, issues):
        try:
            self.func(value)
        except DeskError as exc:
            return self.fail(path, issues, exc.message)
        except (ValueError, TypeError, OverflowError) as exc:
            return self.fail(path, issues, str(exc) or f"must be {self.expects}, not {describe(value)}")
        return True, value


class OneOf(Node):
    """The first alternative that accepts the value."""

    __slots__ = ("options",)

    def __init__(self, *options: Node, expects: str | None = None, help: str = ""):
        super().__init__(expects or " or ".join(o.expects for o in options), help)
        self.options = options

    def check(self, value, path, issues):
        first: list = []
        for option in self.options:
            scratch: list = []
            ok, clean = option.check(value, path, scratch)
            if ok:
                issues += scratch
                return True, clean
            first = first or scratch
        if len(first) == 1 and first[0][0] != path:  # deeper: that message says more
            issues += first
            return False, None
        return self.wrong_type(value, path, issues)


class ListOf(Node):
    """A list of `item`; one wrong item makes the whole list wrong (the default is used)."""

    __slots__ = ("item", "min_items", "scalar")

    def __init__(self, item: Node, help: str = "", *, min_items: int = 0, scalar: bool = False,
                 expects: str | None = None):
        super().__init__(expects or f"a list of {item.expects}" + (" (or just one)" if scalar else ""), help)
        self.item, self.min_items, self.scalar = item, min_items, scalar

    def check(self, value, path, issues):
        if self.scalar and not isinstance(value, list):
            return self.item.check(value, path, issues)
        if not isinstance(value, list):
            return self.wrong_type(value, path, issues)
        if len(value) > MAX_ITEMS:
            return self.fail(path, issues, f"has {len(value)} entries (at most {MAX_ITEMS})")
        if len(value) < self.min_items:
            return self.fail(path, issues, f"must have at least {self.min_items} entr{'y' if self.min_items == 1 else 'ies'}")
        cleaned, valid = [], True
        for i, item in enumerate(value):
            ok, clean = self.item.check(item, path + (i,), issues)
            valid = valid and ok
            cleaned.append(clean)
        return (True, cleaned) if valid else (False, None)


def _check_key(key: Any, path: tuple, issues: list) -> bool:
    if isinstance(key, str | int) and not isinstance(key, bool) and len(str(key)) <= 200:
        return True
    issues.append((path, f"{dotted(path[:-1])}: the key {describe(key)} must be a name (plain text)", True))
    return False


class MapOf(Node):
    """A mapping whose keys the desk chooses (calendar names, roles, ...), each value `value`."""

    __slots__ = ("value", "min_items")

    def __init__(self, value: Node, help: str = "", *, min_items: int = 0, expects: str | None = None):
        super().__init__(expects or f"a mapping of name -> {value.expects}", help)
        self.value, self.min_items = value, min_items

    def check(self, value, path, issues):
        if not isinstance(value, dict):
            return self.wrong_type(value, path, issues)
        if len(value) > MAX_ITEMS:
            return self.fail(path, issues, f"has {len(value)} entries (at most {MAX_ITEMS})")
        if len(value) < self.min_items:
            return self.fail(path, issues, "must not be empty")
        cleaned, valid = {}, True
        for key, sub in value.items():
            if not _check_key(key, path + (key,), issues):
                valid = False
                continue
            ok, clean = self.value.check(sub, path + (key,), issues)
            valid = valid and ok
            cleaned[key] = clean
        return (True, cleaned) if valid else (False, None)


class Fields(Node):
    """A mapping with known keys. A wrong value is left out (its default applies) and reported;
    an unknown key is left out with a warning naming the nearest known key; `extra` checks
    keys the desk chooses (priorities under `sla:`), `open` keeps any further key (plugins'
    channel settings)."""

    __slots__ = ("fields", "required", "extra", "open")

    def __init__(self, fields: dict[str, Node], help: str = "", *, required: tuple = (),
                 extra: Node | None = None, open: bool = False, expects: str = "a mapping of settings"):
        super().__init__(expects, help)
        self.fields, self.required, self.extra, self.open = fields, required, extra, open

    def check(self, value, path, issues):
        if not isinstance(value, dict):
            return self.wrong_type(value, path, issues)
        cleaned: dict = {}
        valid = True
        for key in self.required:
            if key not in value:
                issues.append((path, f"{dotted(path)}: {key} is required", True))
                valid = False
        for key, sub in value.items():
            node = self.fields.get(key) if isinstance(key, str) else None
            if node is None and self.extra is not None:
                if not _check_key(key, path + (key,), issues):
                    continue
                node = self.extra
            if node is None:
                if self.open:
                    cleaned[key] = sub
                else:  # ignored, like a key of no feature: the warning says what was meant
                    issues.append((path + (key,), unknown_key_message(path, key, self.fields), False))
                continue
            ok, clean = node.check(sub, path + (key,), issues)
            if ok:
                cleaned[key] = clean
            elif key in self.required:
                valid = False
        return (True, cleaned) if valid else (False, None)


def unknown_key_message(path: tuple, key: Any, known: dict) -> str:
    import difflib

    where = dotted(path + (key,))
    names = sorted(known)
    close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(names)}"
    return f"unknown setting {where!r} ({hint})"


def validate(data: Any, schema: Node) -> tuple[Any, list[Issue]]:
    """(the data without its wrong values, every issue found)."""
    issues: list[Issue] = []
    ok, clean = schema.check(data, (), issues)
    return (clean if ok else {}), issues


# -- the values of deskctl's own sections ------------------------------------------------------

def _regex(value: Any) -> None:
    import re

    if not isinstance(value, str):
        raise ValueError(f"must be a regular expression (text), not {describe(value)}")
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from None


def _days(value: Any) -> None:
    from deskctl.sla.calendars import parse_days

    if not isinstance(value, str | list):
        raise ValueError(f"must be `all`, a range like `mon-fri`, or a list like [mon, tue], not {describe(value)}")
    parse_days(value)


def _hours(value: Any) -> None:
    from deskctl.sla.calendars import parse_hours

    if not isinstance(value, str | list) or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        raise ValueError(f"must look like 09:00-18:00 (or a list of such), not {describe(value)}")
    parse_hours(value)


def _field_type(value: Any) -> None:
    from deskctl.announcements.kinds import FIELD_TYPES

    if value not in FIELD_TYPES:
        raise ValueError(f"type {value!r} is not one of {', '.join(FIELD_TYPES)}")


NAME = Text(nonempty=True, expects="a name (non-empty text)")
NAMES = ListOf(NAME, expects="a list of names")
ONE_OR_MORE = ListOf(Text(), scalar=True, expects="text or a list of texts")
REGEX = Custom("a regular expression", _regex)
CLOCK_TARGET = Duration("write e.g. 4h, 2d, or false for no target", low=1, high=10 * YEAR_SECONDS, off=True)
AUTO_STEP = Duration("or false to turn it off", low=1, high=10 * YEAR_SECONDS, off=True)
ADDRESSES = ListOf(Text(nonempty=True, expects="an e-mail address"), scalar=True,
                   expects="a list of e-mail addresses")
MAIL_LIST = ListOf(Text(nonempty=True, expects="an e-mail address"), min_items=1, expects="a list of e-mail addresses")
TIMEOUT = Number("seconds", low=0, high=86400, above=True)

RULE = Fields({
    "name": NAME, "description": Text(),
    "match": Fields({
        "text": ONE_OR_MORE, "text_regex": ListOf(REGEX, scalar=True), "requester": ListOf(REGEX, scalar=True),
        "channel": ONE_OR_MORE, "service": ONE_OR_MORE, "type": ONE_OR_MORE, "system": MapOf(REGEX),
    }),
    "set": Fields({
        **{key: Text() for key in ("category", "priority", "impact", "urgency", "group", "assignee", "service", "type")},
        "tags": ListOf(Text(), scalar=True),
    }),
}, expects="a rule like {name: ..., match: {...}, set: {...}}")

STAGE = Text(choices=STAGES)
REQUIREMENT = OneOf(
    STAGE,
    Fields({"at": STAGE, **{key: ONE_OR_MORE for key in CONDITIONS}}, required=("at",)),
    expects="create, resolve, or a mapping like {at: create, types: [incident]}")


class FormFields(MapOf):
    """`tickets.fields`: name -> field definition (or null to turn a default field off).
    Names are what people type after `--field`: lower-case letters, digits and `_`."""

    __slots__ = ()

    def check(self, value, path, issues):
        if isinstance(value, dict):
            for key in [k for k in value if not (isinstance(k, str) and FIELD_NAME.fullmatch(k))]:
                issues.append((path + (key,), f"{dotted(path)}: the field name {describe(key)} must be lower-case "
                                              "letters, digits and _ (at most 40), starting with a letter", True))
                value = {k: v for k, v in value.items() if k != key}
        ok, clean = super().check(value, path, issues)
        for name, spec in (clean or {}).items() if ok else ():
            default = DEFAULTS["tickets"]["fields"].get(name) or {}
            if isinstance(spec, dict) and spec.get("type") == "choice" and not (spec.get("choices")
                                                                                 or default.get("choices")):
                issues.append((path + (name,), f"{dotted(path + (name,))}: a choice field needs choices: [...] "
                                               f"(or one of the desk's lists: {', '.join(CHOICE_LISTS)})", True))
                return False, None
        return ok, clean


FORM_FIELD = Fields({
    "type": Text(choices=FIELD_TYPES), "help": Text(),
    "choices": OneOf(ListOf(NAME, min_items=1), Text(choices=tuple(CHOICE_LISTS)),
                     expects=f"a list of choices or one of: {', '.join(CHOICE_LISTS)}"),
    "min": Number(), "max": Number(),
    "types": ONE_OR_MORE, "categories": ONE_OR_MORE,
    "required": Nullable(OneOf(REQUIREMENT, ListOf(REQUIREMENT, min_items=1),
                               expects="create, resolve, or a mapping like {at: create, types: [incident]}")),
}, expects="a field like {type: text, help: ..., required: {at: create, types: [incident]}}")

CALENDAR = Fields({
    "timezone": TimeZone(),
    "days": Custom("working days", _days),
    "hours": Custom("working hours", _hours),
    "holidays": ListOf(Date("quote dates: faster start-up")),
    "country": Text(pattern=r"[A-Za-z]{2,3}", expects="an ISO country code such as IT"),
    "subdiv": Text(nonempty=True),
}, expects="a calendar like {timezone: ..., days: ..., hours: ...}")

SLA_TARGET = Fields({"calendar": NAME, "response": CLOCK_TARGET, "resolution": CLOCK_TARGET},
                    expects="a mapping like {calendar: office, response: 1h, resolution: 4h}")
SLA_OVERRIDE = Fields({
    "name": NAME, "calendar": NAME, "response": CLOCK_TARGET, "resolution": CLOCK_TARGET,
    **{key: ONE_OR_MORE for key in ("type", "group", "priority", "category", "service", "channel")},
}, expects="a mapping like {type: change, resolution: 5d}")

CHANNELS = Fields({
    "file": Fields({"out": Text(nonempty=True)}, open=True),
    "statuspage": Fields({"out": Text(nonempty=True), "recent_days": Number(low=0, high=3650),
                          "base_url": Text()}, open=True),
    "smtp": Fields({
        "host": Text(nonempty=True, expects="a host name"), "port": Int(low=1, high=65535),
        "from": Text(), "starttls": Bool(), "ssl": Bool(), "username": Text(), "password": Text(),
        "password_env": Text(pattern=r"[A-Za-z_][A-Za-z0-9_]*", expects="an environment variable name"),
        "timeout": TIMEOUT,
    }, open=True),
    "webhook": Fields({
        "url": Text(pattern=r"https?://\S+", expects="a URL starting with http:// or https://"),
        "headers": MapOf(Text()), "timeout": TIMEOUT,
    }, open=True),
    "sms": Fields({
        "url": Text(pattern=r"https?://\S+", expects="a URL starting with http:// or https://"),
        "method": Text(choices=("POST", "PUT", "PATCH", "GET")), "body": Text(), "headers": MapOf(Text()),
        "auth_header": Text(nonempty=True),
        "auth_header_env": Text(pattern=r"[A-Za-z_][A-Za-z0-9_]*", expects="an environment variable name"),
        "recipients": MapOf(ListOf(Text(nonempty=True, expects="a phone number"), min_items=1,
                                   expects="a list of phone numbers")),
        "timeout": TIMEOUT,
    }, open=True),
}, extra=MapOf(AnyValue(), expects="a mapping of settings"))  # channels of plugins

SCHEMA = Fields({
    "desk": Fields({"name": Text(), "email": Text(), "phone": Text()}),
    "timezone": TimeZone(),
    "default_language": Text(pattern=r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?", expects="a language code such as en"),
    "languages": ListOf(Text(pattern=r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?", expects="a language code"), min_items=1),
    "data_dir": Text(nonempty=True, expects="a folder"),
    # backend settings beyond `backend` belong to the backend's plugin
    "store": Fields({"backend": Text(pattern=r"[A-Za-z0-9_.-]+", expects="a backend name such as files"),
                     "dsn": Text(nonempty=True, expects="a PostgreSQL DSN such as postgresql://desk@db.example.org/desk"),
                     "statement_timeout": Number("seconds a database statement may take", low=0, high=86400)},
                    open=True),
    "lock_timeout": Number("seconds to wait for the ticket store's lock", low=0, high=3600),
    "tickets": Fields({
        "types": MapOf(Text(pattern=r"[A-Za-z]{1,10}", expects="an id prefix of 1-10 letters, like INC"), min_items=1),
        "categories": NAMES, "priorities": ListOf(NAME, min_items=1, expects="a list of names"), "channels": NAMES,
        "services": NAMES, "groups": NAMES, "impact_levels": ListOf(NAME, min_items=1, expects="a list of names"),
        "default_type": NAME, "default_group": NAME, "default_priority": NAME,
        "priority_matrix": MapOf(MapOf(NAME)),
        "archive_after": Duration(low=1, high=100 * YEAR_SECONDS),
        "require_category_at_resolve": Bool(),
        "fields": FormFields(Nullable(FORM_FIELD), expects="a mapping of field name -> {type: ..., help: ...}"),
    }),
    "rules": ListOf(RULE),
    "cmdb": Fields({"types": ListOf(Text(pattern=r"[a-z][a-z0-9-]{0,39}", expects="a type name such as database"),
                                    min_items=1, expects="a list of type names")}),
    "calendars": MapOf(CALENDAR),
    "sla": Fields({"at_risk": Share(), "overrides": ListOf(SLA_OVERRIDE)}, extra=SLA_TARGET),
    "sweep": Fields({
        "at_risk": Fields({"notify": Bool()}),
        "breached": Fields({"escalate": Bool(), "raise_priority": Bool(), "notify": Bool()}),
        "escalation_path": NAMES,
        "resolved_autoclose": AUTO_STEP, "pending_reminder": AUTO_STEP, "pending_autoclose": AUTO_STEP,
        "recipients": MapOf(ADDRESSES),
    }),
    "kpis": Fields({"fcr": Fields({
        "window": Duration("or false: no limit", low=0, high=YEAR_SECONDS, off=True),
        "calendar": NAME, "same_account": Bool(),
    })}),
    "surveys": Fields({
        "sample": Share(zero=True), "types": NAMES,
        "window": Duration("or false: no limit", low=1, high=10 * YEAR_SECONDS, off=True), "once": Bool(),
        # questionnaires (docs/kpis.md#surveys): checked in detail by reports.surveys.settings_problems
        "every": Int("ask every Nth closed ticket", low=1, high=100000),
        "delay": Duration("ask no sooner after closing", low=0, high=YEAR_SECONDS),
        "methods": NAMES,
        "questionnaire": ListOf(Fields({
            "id": Text(pattern=r"[a-z][a-z0-9_]*", expects="a question id: lower-case letters, digits and _"),
            "text": OneOf(Text(nonempty=True), MapOf(Text(nonempty=True)), expects="text, or language -> text"),
            "scale": Int("answers 1..scale", low=2, high=10), "choices": ListOf(Text(nonempty=True), min_items=2),
        }, required=("id", "text")), expects="a list of questions like {id: solved, text: {en: ...}, scale: 5}"),
    }),
    "runbooks": Fields({
        "forks": Int("hosts in parallel", low=1, high=1000),
        "step_timeout": Number("seconds a step may run", low=0, high=86400, above=True),
        "lock_timeout": Number("seconds to wait for a locked host", low=0, high=86400),
        "secret_sink": Text(),
        # accounts no SOP may act on, besides the built-in ones (root, service accounts, ...)
        "protected_accounts": ListOf(Text(pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_.*-]*$",
                                          expects="an account name (or a prefix pattern like svc-*)")),
    }),
    # where the hosts come from (docs/runbooks.md#inventory-sources-ansible-inventories); without it config/inventory.yaml
    "inventory": Fields({
        "sources": ListOf(Text(nonempty=True, expects="an inventory path (from the desk folder) or ansible:PATH"),
                          min_items=1, expects="a list of inventory files or folders, e.g. "
                          "[config/inventory.yaml, ansible:/etc/ansible/hosts]"),
    }),
    "announcements": Fields({
        "publish_channels": NAMES,
        "recipients": Nullable(MapOf(OneOf(MAIL_LIST, MapOf(MAIL_LIST), expects="a list of e-mail addresses"))),
        "approvals": Nullable(MapOf(ListOf(MapOf(Int(low=1, high=100), min_items=1,
                                                 expects="a mapping of role -> number of approvers")),
                                    expects="a mapping of severity -> list of alternatives")),
        "self_approval": Bool(),
        # kinds whose updates and closing notices go out without a new approval
        "preapproved_updates": NAMES,
        "sms_max_segments": Int("0: no warning", low=0, high=100),
        "bulletin_horizon_hours": Number(low=0, high=24 * 366),
        # kind -> how long before its start it must be announced (false: no minimum)
        "min_notice": Nullable(MapOf(Duration(low=0, high=YEAR_SECONDS, off=True))),
        "kinds": Nullable(MapOf(Fields({"summary": Text(), "required": NAMES, "optional": NAMES,
                                        "extra": NAMES, "outage": Bool()}))),
        "fields": Nullable(MapOf(OneOf(
            Custom("a field type", _field_type),
            Fields({"type": Custom("a field type", _field_type), "help": Text(), "choices": ListOf(Text())},
                   required=("type",)),
            expects="a field type (text, string, datetime, choice, services, languages)"))),
    }),
    # change requests (docs/changes.md): approvals per risk, the emergency rule, standard changes
    "changes": Fields({
        "approvals": Nullable(MapOf(ListOf(MapOf(Int(low=1, high=100), min_items=1,
                                                 expects="a mapping of role -> number of approvers")),
                                    expects="a mapping of risk (low, medium, high) -> list of alternatives")),
        "emergency_approvals": Nullable(ListOf(MapOf(Int(low=1, high=100), min_items=1,
                                                     expects="a mapping of role -> number of approvers"))),
        "catalogue": Nullable(MapOf(Fields({
            "title": Text(), "reason": Text(), "risk": Text(choices=("low", "medium", "high")),
            "items": NAMES, "sop": NAME, "params": MapOf(AnyValue()), "rollback": NAME,
            "rollback_params": MapOf(AnyValue()), "verification": Text(),
        }, expects="a standard change like {title: ..., risk: low, sop: restart-service, params: {...}}"))),
    }),
    "channels": CHANNELS,
    "roles": MapOf(NAMES, expects="a mapping of role -> list of names"),
    # who may do what (docs/access.md): listing accounts makes the desk managed
    "accounts": MapOf(Fields({
        "name": Text(), "email": Text(), "language": Text(pattern=r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?",
                                                          expects="a language code such as en"),
        "groups": NAMES, "roles": NAMES,
        "login": Text(nonempty=True, expects="the account's OS login name"),
        "db_role": Text(pattern=r"[a-z_][a-z0-9_$-]*", expects="the account's PostgreSQL login (lower case)"),
        "timezone": TimeZone(),
    }), expects="a mapping of account name -> {name, email, language, groups, roles, login}"),
    "permissions": MapOf(ListOf(Text(pattern=r"[a-z*][a-z0-9*:._-]*(@(own|group|all))?",
                                     expects="a permission such as resolve, update:priority, run-sop:tag:network "
                                     "or read@group (a data scope: own, group, all)")),
                         expects="a mapping of role -> list of permissions"),
    # mail with requesters (deskctl mail ingest|fetch): the desk's addresses, the subject tag, limits
    "mail": Fields({
        "address": Text(nonempty=True, expects="the desk's e-mail address"),
        "addresses": MAIL_LIST,
        "subject_tag": Text(pattern=r".*\{id\}.*", expects="a tag holding {id}, e.g. [{id}]"),
        "loop_tag": Text(nonempty=True),
        "max_bytes": Int(low=1024, high=1024 * 1024 * 1024),
        "per_sender_per_hour": Int(low=1, high=100_000),
        "notify": ListOf(Text(pattern=r"created|comment|pending|escalated|resolved|closed|survey",
                              expects="one of created, comment, pending, escalated, resolved, closed, survey")),
        "imap": MapOf(AnyValue(), expects="a mapping of IMAP settings (host, port, user, password_env, folder)"),
    }),
    # reserved for features and plugins that read their own settings
    "kb": MapOf(AnyValue(), expects="a mapping of settings"),
    "secrets": MapOf(AnyValue(), expects="a mapping of settings"),
    "plugins": MapOf(AnyValue(), expects="a mapping of settings"),
})


def schema_with(parts: list[dict[str, Node]] | None = None) -> Fields:
    """The whole schema: deskctl's sections plus those plugins declare (`config_schema` hook)."""
    if not parts:
        return SCHEMA
    fields = dict(SCHEMA.fields)
    for part in parts:
        for name, node in (part or {}).items():
            if name not in fields and isinstance(node, Node):
                fields[name] = node
    return Fields(fields)
