"""Automatic classification: the desk's `rules` match a ticket's text, requester, channel,
service or system fields and set category, priority, group, tags and the like.

Rules are tried in order; for each field the first rule that sets it wins (so put specific
rules first), tags add up. Explicit options given by the person or script always win.

Matching folds case and accents in every language, on both sides: "Nu funcționează imprimanta"
matches a rule on "functioneaza imprimanta" and "NU FUNCŢIONEAZĂ" (cedilla or comma below)
matches "nu funcționează"; "è" matches "e", "ПРИНТЕР" matches "принтер".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

MATCH_KEYS = {"text", "text_regex", "requester", "channel", "service", "type", "system"}
SET_KEYS = {"category", "priority", "impact", "urgency", "group", "assignee", "tags", "service", "type"}


def _has_word(word: str, text: str) -> bool:
    """`word` (already casefolded text) at the start of a word of `text`: "printer" matches
    "Printers" too, "vpn" does not match "openvpn". Plain string search: compiling a regular
    expression per keyword cost more than the rest of `ticket create`."""
    if not word:
        return False
    start = text.find(word)
    while start != -1:
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):
            return True
        start = text.find(word, start + 1)
    return False


def strip_accents(text: str) -> str:
    """`text` without its accents and other combining marks (NFKD, then the marks dropped):
    "funcționează" -> "functioneaza", "è" -> "e", "й" -> "и". Case is kept (regular
    expressions need it: casefolding `\\S` would make it `\\s`)."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1024)
def fold(text: str) -> str:
    """`text` as rules compare it: accents stripped and case folded, for every language."""
    return strip_accents(text).casefold()


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern:
    """A rule's pattern, accents stripped like the text it searches (`_search`)."""
    return re.compile(strip_accents(pattern), re.IGNORECASE | re.UNICODE)


def _search(pattern: str, text: str) -> bool:
    return _regex(pattern).search(strip_accents(text)) is not None


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def rule_matches(match: dict, fields: dict) -> bool:
    """True when every condition of `match` holds (each list: any of its values)."""
    raw = f"{fields.get('title') or ''}\n{fields.get('description') or ''}"
    text = strip_accents(raw).casefold()  # not `fold`: a description is seen once, not worth caching
    for key, wanted in match.items():
        if key == "text":
            if not any(_has_word(fold(str(w)), text) for w in _as_list(wanted)):
                return False
        elif key == "text_regex":
            if not any(_regex(str(p)).search(text) for p in _as_list(wanted)):
                return False
        elif key == "requester":
            requester = fields.get("requester") or {}
            who = f"{requester.get('name') or ''} {requester.get('email') or ''}"
            if not any(_search(str(p), who) for p in _as_list(wanted)):
                return False
        elif key == "system":
            system = fields.get("system") or {}
            for sys_key, pattern in (wanted or {}).items():
                if sys_key not in system or not _search(str(pattern), str(system[sys_key])):
                    return False
        elif key in ("channel", "service", "type") and fields.get(key) not in [str(v) for v in _as_list(wanted)]:
            return False
    return True


def classify(rules: list[dict], fields: dict) -> tuple[dict[str, Any], list[str]]:
    """What the rules set for a ticket with these fields, and the names of those that fired."""
    result: dict[str, Any] = {}
    fired: list[str] = []
    for rule in rules or []:
        if not isinstance(rule, dict) or not rule_matches(rule.get("match") or {}, fields):
            continue
        fired.append(str(rule.get("name", "unnamed")))
        for key, value in (rule.get("set") or {}).items():
            if key == "tags":
                tags = result.setdefault("tags", [])
                tags += [t for t in _as_list(value) if t not in tags]
            else:
                result.setdefault(key, value)
    return result, fired


def rule_problems(rules: Any) -> list[tuple[tuple, str]]:
    """Problems in a `rules` section as (key path, message), for `config check`."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        return [(("rules",), "rules must be a list of {name, match, set}")]
    problems = []
    for i, rule in enumerate(rules):
        where = ("rules", i)
        if not isinstance(rule, dict):
            problems.append((where, "a rule must be a mapping with name, match and set"))
            continue
        for key in set(rule) - {"name", "match", "set", "description"}:
            problems.append((where + (key,), f"unknown rule key {key!r} (use name, match, set)"))
        match = rule.get("match")
        if not isinstance(match, dict) or not match:
            problems.append((where, f"rule {rule.get('name', i)!r} needs a non-empty match"))
        else:
            for key in set(match) - MATCH_KEYS:
                problems.append((where + ("match", key), f"unknown match key {key!r} (use {', '.join(sorted(MATCH_KEYS))})"))
            for key in ("text_regex", "requester"):
                for pattern in _as_list(match.get(key)):
                    try:
                        re.compile(str(pattern))
                    except re.error as exc:
                        problems.append((where + ("match", key), f"bad regular expression {pattern!r}: {exc}"))
        sets = rule.get("set")
        if not isinstance(sets, dict) or not sets:
            problems.append((where, f"rule {rule.get('name', i)!r} needs a non-empty set"))
        else:
            for key in set(sets) - SET_KEYS:
                problems.append((where + ("set", key), f"unknown set key {key!r} (use {', '.join(sorted(SET_KEYS))})"))
    return problems
