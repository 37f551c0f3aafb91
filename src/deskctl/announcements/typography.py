"""What a native speaker's pen adds after the template: Italian elision before a number read
with a vowel (`il 8 dicembre` -> `l'8 dicembre`, `dalle 01:00` -> `dall'01:00`) and no double
full stop after a Russian year (`2026 г..` -> `2026 г.`). Applied to every rendered part, so
that templates may write `il {{ start|date("long") }}` whatever the date turns out to be."""

from __future__ import annotations

import re

# article or preposition + article, and its elided form
_SINGULAR = {"il": "l'", "dal": "dall'", "del": "dell'", "al": "all'", "nel": "nell'", "sul": "sull'"}
_PLURAL = {"le": "l'", "dalle": "dall'", "delle": "dell'", "alle": "all'", "nelle": "nell'", "sulle": "sull'"}
_BEFORE_NUMBER = re.compile(r"\b(" + "|".join(_SINGULAR) + r")[ \u00a0](\d+)\b", re.IGNORECASE)
# only one o'clock is singular ("l'una"): "le 8:00" stays, "le 01:00" becomes "l'01:00"
_BEFORE_ONE_OCLOCK = re.compile(r"\b(" + "|".join(_PLURAL) + r")[ \u00a0](0?1[:.]\d\d)\b", re.IGNORECASE)


def reads_with_a_vowel(number: str) -> bool:
    """Whether an Italian number is read starting with a vowel: uno, otto, undici, ottanta,
    ottocento, ottomila, undicimila..."""
    digits = number.lstrip("0") or "0"
    return digits.startswith("8") or digits in ("1", "11") or (len(digits) == 5 and digits.startswith("11"))


def _same_case(word: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if word[:1].isupper() else replacement


def italian(text: str) -> str:
    def singular(match: re.Match) -> str:
        word, number = match.group(1), match.group(2)
        if not reads_with_a_vowel(number):
            return match.group(0)
        return _same_case(word, _SINGULAR[word.lower()]) + number

    def plural(match: re.Match) -> str:
        word = match.group(1)
        return _same_case(word, _PLURAL[word.lower()]) + match.group(2)

    return _BEFORE_ONE_OCLOCK.sub(plural, _BEFORE_NUMBER.sub(singular, text))


def russian(text: str) -> str:
    return text.replace("г..", "г.")


FIXES = {"it": italian, "ru": russian}


def polish(lang: str, text: str) -> str:
    """`text` as a native speaker of `lang` would write it (unchanged for other languages)."""
    fix = FIXES.get(lang.split("-")[0].lower())
    return fix(text) if fix else text
