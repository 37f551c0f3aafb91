"""Text analysis shared by indexing, searching and snippets: accent and case folding,
tokenising, stop words and Snowball stemming per article language.

Folding comes before stemming on purpose: operators type on phones without accents
("citta", "imprimanta"), so the stems of folded words are what both sides compare.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable

WORD_RE = re.compile(r"[^\W_]+")  # letters and digits; "_" separates words like punctuation
_MARKS_RE = re.compile(r"[\u0300-\u036f]+")

# Snowball algorithm per language code; other languages are indexed unstemmed.
STEMMERS = {"en": "english", "it": "italian", "ru": "russian", "ro": "romanian"}


def _word_set(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Small lists of the words that carry no meaning for a search, already folded.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        "a an and are as at be but by can do does for from has have how i if in into is it its "
        "me my no not of on or so that the their them then there this to up was we what when "
        "where which who why will with you your"
    ),
    "it": _word_set(
        "a ad al alla alle allo agli ai anche che chi ci come con da dal dalla dei del della "
        "delle dello degli di e ed gli ha hanno i il in io la le lo l ma mi ne nei nel nella "
        "nelle o per piu se si sono su sua suo sul sulla tra tu un una uno"
    ),
    # "ё" is written "е": folded text has no diaeresis ("ещё" -> "еще"); "й" stays.
    "ru": _word_set(
        "а без бы был была были было быть в вам вас ваш ваша ваше вот во вы где да для до его "
        "ее если есть еще же за и из или им их к как какой когда кто ко ли либо мне мы на над "
        "не него нее нет ни но ну о об он она они оно от по под после при с себя со так также "
        "там то тоже том тот тут у уже чем что чтобы эта эти это этого этой этот я"
    ),
    # without diacritics: "și" -> "si", "în" -> "in", "să" -> "sa", "dacă" -> "daca";
    # hyphenated forms split ("s-a", "nu-l", "v-ați") leave "s", "l", "v", "ati"
    "ro": _word_set(
        "a acest acesta aceasta aceste acel acea ai al ale am ar are asa ati au ca care ce cea "
        "cei cel cele cu cum dar daca de despre din doar dupa ea ei el este eu fara fi fie fost "
        "i ii il in iar l la le lor lui mai ne nici nu o ori pe pentru prin s sa sau se si spre "
        "sunt tu un una unde v va"
    ),
}


def fold(text: str) -> str:
    """Lower-case without accents: "Città" -> "citta", "Ștergere" -> "stergere".

    Russian "й" keeps its breve: without it the word changes ("мой" is not "мои").
    """
    if text.isascii():  # most English text: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold()).replace("и\u0306", "й")
    return _MARKS_RE.sub("", decomposed)


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return WORD_RE.findall(fold(text))


_STEMMER_CACHE: dict[str, Callable[[str], str]] = {}
_TERM_MEMO: dict[str, dict[str, str]] = {}  # language -> word -> term ("" for a stop word)


def _load_snowball(algorithm: str):
    """One Snowball stemmer class without importing all 36 algorithms.

    `import snowballstemmer` imports every language (about 20 ms); loading the one module we
    need through a private package alias costs about 3 ms. Falls back to the public API.
    """
    import importlib
    import importlib.util
    import types

    alias = "_deskctl_snowball"
    try:
        if alias not in sys.modules:
            spec = importlib.util.find_spec("snowballstemmer")
            if spec is None or not spec.submodule_search_locations:
                raise ImportError("snowballstemmer is not installed")
            package = types.ModuleType(alias)
            package.__path__ = list(spec.submodule_search_locations)
            sys.modules[alias] = package
        module = importlib.import_module(f"{alias}.{algorithm}_stemmer")
        return getattr(module, f"{algorithm.capitalize()}Stemmer")()
    except Exception:
        import snowballstemmer

        return snowballstemmer.stemmer(algorithm)


def stemmer(language: str) -> Callable[[str], str]:
    """A memoised stem function for `language` (identity for languages without one)."""
    found = _STEMMER_CACHE.get(language)
    if found is not None:
        return found
    algorithm = STEMMERS.get(language)
    if algorithm is None:

        def stem(word: str) -> str:
            return word

    else:
        snowball = _load_snowball(algorithm)
        memo: dict[str, str] = {}

        def stem(word: str) -> str:
            hit = memo.get(word)
            if hit is None:
                # words with digits (error codes, model numbers) are kept whole
                hit = word if any(c.isdigit() for c in word) else snowball.stemWord(word)
                memo[word] = hit
            return hit

    _STEMMER_CACHE[language] = stem
    return stem


def is_stop_word(word: str, language: str) -> bool:
    return word in STOP_WORDS.get(language, ())


def term_counts(text: str, language: str) -> tuple[dict[str, int], int]:
    """How often each index term occurs in `text`, and how many terms it has.

    Indexing thousands of articles is mostly this loop: each distinct word costs one lookup
    in a per-language memo that also knows the stop words."""
    memo = _TERM_MEMO.get(language)
    if memo is None:
        memo = _TERM_MEMO[language] = dict.fromkeys(STOP_WORDS.get(language, ()), "")
    stem = stemmer(language)
    counts: dict[str, int] = {}
    get = counts.get
    total = 0
    for word, n in Counter(words(text)).items():
        term = memo.get(word)
        if term is None:
            term = memo[word] = stem(word)
        if term:
            counts[term] = get(term, 0) + n
            total += n
    return counts, total


def query_terms(query: str, language: str) -> list[str]:
    """Distinct terms of a query, in order. Stop words are dropped unless nothing else is
    left, so a search for "not" or "non" still finds something."""
    folded = words(query)
    stop = STOP_WORDS.get(language, frozenset())
    kept = [w for w in folded if w not in stop] or folded
    stem = stemmer(language)
    return list(dict.fromkeys(stem(w) for w in kept))
