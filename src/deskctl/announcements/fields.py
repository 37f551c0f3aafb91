"""Turn what people write (a YAML file, `--set field=value`) into an announcement's fields,
finding every problem at once so one run of `announce create` lists them all.

Stored fields are JSON-safe: instants as ISO 8601 text, free text as a string or a mapping
language -> string, lists as lists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from deskctl.announcements.kinds import FieldSpec, Kind

# where(field) -> the prefix of a problem about that field, naming it and where it was written:
# "maintenance.yaml:3: services" or "--set services"
Where = Callable[[str], str]


def desk_zone(config: dict) -> ZoneInfo:
    try:
        return ZoneInfo(str(config.get("timezone") or "UTC"))
    except Exception:  # a bad zone is reported by `config check`; render in UTC meanwhile
        return ZoneInfo("UTC")


def parse_assignments(pairs: dict[str, str]) -> dict[str, Any]:
    """`--set` pairs -> raw fields: `impact.it=...` sets one language of a text field."""
    raw: dict[str, Any] = {}
    for key, value in pairs.items():
        name, dot, lang = key.partition(".")
        if dot:
            current = raw.get(name)
            if not isinstance(current, dict):
                current = {} if current is None else {"": current}
            current[lang] = value
            raw[name] = current
        else:
            raw[name] = value
    return raw


def to_instant(value: Any, zone: ZoneInfo) -> datetime:
    """A timezone-aware datetime from YAML/text; a time without a zone is the desk's."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, str) and value.strip():
        from deskctl.errors import BadInput
        from deskctl.util.moments import parse_moment

        try:  # `now`, `+2h` (a bare duration counts ahead here), a day, an ISO time
            return parse_moment(value, "time", zone, bare_duration=+1)
        except BadInput as exc:
            raise ValueError(str(exc)) from None
    else:
        raise ValueError("empty")
    from deskctl.util.clock import MAX_YEAR, MIN_YEAR

    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # year 1 or 9999 overflows with a zone
        raise ValueError(f"outside the years {MIN_YEAR}-{MAX_YEAR}")
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _as_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


class FieldChecker:
    """Checks and normalises the fields of one kind against the desk's configuration."""

    def __init__(self, kind: Kind, config: dict):
        self.kind = kind
        self.config = config
        self.zone = desk_zone(config)
        self.languages = [str(x) for x in config.get("languages") or ["en"]]
        self.default_language = str(config.get("default_language") or self.languages[0])
        self.services = [str(s) for s in (config.get("tickets") or {}).get("services") or []]

    def check(self, raw: dict[str, Any], where: Where) -> tuple[dict[str, Any], list[str]]:
        """(normalised fields, problems); the fields are only usable when problems is empty."""
        problems: list[str] = []
        fields: dict[str, Any] = {}
        for name, value in raw.items():
            spec = self.kind.fields.get(name)
            if spec is None:
                known = ", ".join(self.kind.field_names)
                problems.append(f"{where(name)}: unknown field for {self.kind.name} (its fields: {known})")
                continue
            if value is None or value == "" or value == []:
                continue  # an empty value clears an optional field
            normalised, problem = self._field(spec, value)
            if problem:
                problems.append(f"{where(name)}: {problem}")
            else:
                fields[name] = normalised
        for name in self.kind.required:
            if name not in fields and not any(p.startswith(f"{where(name)}: ") for p in problems):
                spec = self.kind.fields.get(name)
                hint = f" ({spec.help})" if spec and spec.help else ""
                problems.append(f"{where(name)}: missing required field{hint}")
        problems += self._cross_checks(fields, where)
        if not problems:
            problems += self._text_coverage(fields, where)
        return fields, problems

    def with_defaults(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Fields with the desk's defaults written in, so the record says what was sent."""
        result = dict(fields)
        if "severity" in self.kind.fields:
            result.setdefault("severity", "minor")
        if "languages" in self.kind.fields:
            result.setdefault("languages", list(self.languages))
        if "contact" in self.kind.fields and "contact" not in result:
            desk = self.config.get("desk") or {}
            contact = ", ".join(str(v) for v in (desk.get("email"), desk.get("phone")) if v)
            if contact:  # an address and a number read the same in every language
                result["contact"] = {lang: contact for lang in result.get("languages") or self.languages}
        return result

    def _field(self, spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
        kind = spec.type
        if kind == "datetime":
            try:
                return to_instant(value, self.zone).isoformat(), None
            except (ValueError, TypeError):
                return None, f"{value!r} is not a date and time (write it like now, +2h, 2026-12-05T22:00 or 2026-12-05T22:00:00+01:00)"
        if kind == "services":
            items = _as_list(value)
            if not items:
                return None, "expected a list of services, e.g. [mail, calendar]"
            unknown = [s for s in items if self.services and s not in self.services]
            if unknown:
                return None, f"unknown service(s) {', '.join(unknown)} (known: {', '.join(self.services)})"
            return list(dict.fromkeys(items)), None
        if kind == "languages":
            items = _as_list(value)
            if not items:
                return None, "expected a list of languages, e.g. [en, it]"
            unknown = [x for x in items if x not in self.languages]
            if unknown:
                return None, f"unknown language(s) {', '.join(unknown)} (the desk's languages: {', '.join(self.languages)})"
            return list(dict.fromkeys(items)), None
        if kind == "choice":
            text = str(value).strip()
            if text not in spec.choices:
                return None, f"{text!r} is not one of {', '.join(spec.choices)}"
            return text, None
        if kind == "text":
            return self._text(value)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value).strip(), None
        return None, "expected text"

    def _text(self, value: Any) -> tuple[Any, str | None]:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value).strip(), None
        if not isinstance(value, dict):
            return None, "expected text, or a mapping of language to text (en: ..., it: ...)"
        texts: dict[str, str] = {}
        for lang, text in value.items():
            lang = str(lang) or self.default_language  # `--set impact=..` then `impact.it=..`
            if lang not in self.languages:
                return None, f"unknown language {lang!r} (the desk's languages: {', '.join(self.languages)})"
            if not isinstance(text, str | int | float) or isinstance(text, bool) or not str(text).strip():
                return None, f"the {lang} text is empty or not text"
            texts[lang] = str(text).strip()
        return texts, None

    def _cross_checks(self, fields: dict[str, Any], where: Where) -> list[str]:
        problems = []
        if "start" in fields and "end" in fields:
            start, end = datetime.fromisoformat(fields["start"]), datetime.fromisoformat(fields["end"])
            if end <= start:
                problems.append(f"{where('end')}: {fields['end']} is not after start {fields['start']}")
        return problems

    def _text_coverage(self, fields: dict[str, Any], where: Where) -> list[str]:
        """A text mapping must hold the default language, or every language published in,
        so each language has something to fall back on."""
        wanted = fields.get("languages") or self.languages
        problems = []
        for name, value in fields.items():
            if self.kind.fields[name].type != "text" or not isinstance(value, dict):
                continue
            if self.default_language not in value and not all(lang in value for lang in wanted):
                missing = [lang for lang in wanted if lang not in value]
                problems.append(
                    f"{where(name)}: no text in the default language {self.default_language} "
                    f"and none in {', '.join(missing)} (add {name}.{self.default_language})"
                )
        return problems


def text_in(value: Any, lang: str, default_language: str) -> tuple[str | None, bool]:
    """(the text for `lang`, whether it fell back to another language). A text given once
    (a plain string) is the default language's: shown in another language it is a fallback."""
    if value is None:
        return None, False
    if isinstance(value, str):
        return value, lang != default_language
    if lang in value:
        return value[lang], False
    if default_language in value:
        return value[default_language], True
    return next(iter(value.values()), None), True


def missing_translations(kind: Kind, fields: dict[str, Any], languages: list[str],
                         default_language: str) -> list[tuple[str, str]]:
    """(field, language) for every free-text field that has no text of its own in a language
    the announcement goes to (it would be shown in another language)."""
    missing = []
    for name, value in fields.items():
        spec = kind.fields.get(name)
        if spec is None or spec.type != "text" or value is None:
            continue
        for lang in languages:
            if text_in(value, lang, default_language)[1]:
                missing.append((name, lang))
    return missing
