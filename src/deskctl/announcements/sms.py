"""SMS length and segment counting (GSM 03.38 7-bit default alphabet vs UCS-2).

One GSM-7 SMS holds 160 septets (153 per part when split); any character outside the GSM
alphabet turns the whole message into UCS-2: 70 UTF-16 units (67 per part). Cyrillic and the
Romanian letters ș ț ă â î always cost UCS-2, so the same notice takes more segments there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")  # each costs an escape septet too

# Typography that templates and Babel produce but that would force UCS-2 for nothing.
_PLAIN = str.maketrans({
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2026": "...",
})


@dataclass(frozen=True)
class SmsInfo:
    text: str
    encoding: str  # GSM-7 or UCS-2
    length: int  # characters as the reader sees them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int

    def to_dict(self) -> dict:
        return {
            "encoding": self.encoding,
            "length": self.length,
            "units": self.units,
            "segments": self.segments,
            "per_segment": self.per_segment,
        }


def plain(text: str) -> str:
    """One line of text for an SMS: plain spaces, quotes and dashes, no line breaks."""
    return re.sub(r"\s+", " ", text.translate(_PLAIN)).strip()


def measure(text: str) -> SmsInfo:
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        units = sum(2 if c in GSM_EXTENSION else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        segments, per = (1 if units else 0), single
    else:
        segments, per = math.ceil(units / multi), multi
    return SmsInfo(text, encoding, len(text), units, segments, per)
