"""The words of a mail that matter: quoted history and signatures cut off, the language
guessed, and what a reply says (confirmed, not fixed, a score)."""

from __future__ import annotations

import re

# "On Mon, 2 Dec 2026 Ana wrote:", "Il giorno ... ha scritto:", "... пишет:", "... a scris:"
ATTRIBUTION = re.compile(r"^\s*(on .+ wrote:|il giorno .+ ha scritto:|.+ ha scritto:|.+ пишет:|.+ написал\w*:|"
                         r"pe .+ a scris:|.+ a scris:|-{2,} ?original message ?-{2,}|-{2,} ?messaggio originale ?-{2,}|"
                         r"from: .+|da: .+|от: .+|de la: .+)\s*$", re.I)
SIGNATURE = re.compile(r"^(-- ?|__+|sent from my .+|inviato da .+|отправлено с .+|trimis de pe .+)$", re.I)

STOPWORDS = {
    "en": {"the", "and", "is", "not", "my", "please", "it", "does", "to", "of", "with", "printer", "hello"},
    "it": {"il", "non", "la", "che", "di", "per", "una", "della", "buongiorno", "grazie", "stampante", "funziona", "è"},
    "ro": {"nu", "și", "este", "la", "imprimanta", "mulțumesc", "bună", "funcționează", "de", "pe", "vă", "rog"},
    "ru": {"не", "и", "в", "на", "что", "принтер", "работает", "спасибо", "здравствуйте", "пожалуйста"},
}
# checked in this order: "non funziona" holds "funziona"
NOT_FIXED = ("not fixed", "still not working", "still broken", "does not work", "doesn't work", "not working",
             "non funziona", "non è risolto", "non risolto", "ancora", "не работает", "не решено", "не исправлено",
             "nu funcționează", "nu functioneaza", "nu merge", "nerezolvat", "nu s-a rezolvat")
CONFIRMED = ("confirm", "confirmed", "it works", "works now", "fixed", "solved", "yes",
             "confermo", "confermato", "funziona", "risolto", "sì", "si",
             "подтверждаю", "работает", "решено", "да",
             "confirm", "confirmat", "funcționează", "functioneaza", "rezolvat", "da")


def trimmed(text: str) -> str:
    """The new words of a mail: up to the quoted history or the signature."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or ATTRIBUTION.match(stripped) or SIGNATURE.match(line.rstrip()):
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def guess_language(text: str, languages: list[str], default: str) -> str:
    words = re.findall(r"\w+", text.lower())
    scores = {lang: sum(w in STOPWORDS.get(lang, set()) for w in words) for lang in languages}
    best = max(scores.items(), key=lambda kv: kv[1], default=(default, 0))
    if any("\u0400" <= ch <= "\u04ff" for ch in text) and "ru" in languages:
        return "ru"
    return best[0] if best[1] > 0 else default


def verdict(text: str) -> str | None:
    """What a reply to a resolution says: "not-fixed", "confirmed", or None (just words)."""
    first = trimmed(text).lower()
    head = " ".join(first.split()[:12])
    if any(phrase in head for phrase in NOT_FIXED):
        return "not-fixed"
    words = set(re.findall(r"\w+", head))
    if any((phrase in head) if " " in phrase else (phrase in words) for phrase in CONFIRMED):
        return "confirmed"
    return None


def score(text: str) -> int | None:
    """A survey answer: the reply's first number from 1 to 5 ("4", "4/5", "voto 4")."""
    found = re.search(r"(?<!\d)([1-5])(?:\s*/\s*5)?(?!\d)", trimmed(text)[:200])
    return int(found.group(1)) if found else None
