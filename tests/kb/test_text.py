"""Folding, tokenising and stemming: what both the index and the query go through."""

from __future__ import annotations

import sys

from deskctl.kb import text


def test_fold_removes_accents_and_case():
    assert text.fold("Città PERCHÉ Ștergere") == "citta perche stergere"


def test_fold_keeps_the_russian_short_i():
    assert text.fold("Мой ЁЖ") == "мой еж"


def test_words_split_on_punctuation_and_underscores():
    assert text.words("Printer-offline: user_name (E1234)") == ["printer", "offline", "user", "name", "e1234"]


def test_plural_and_singular_share_a_term_per_language():
    assert text.query_terms("printers", "en") == text.query_terms("printer", "en")
    assert text.query_terms("stampanti", "it") == text.query_terms("stampante", "it")
    assert text.query_terms("принтеры", "ru") == text.query_terms("принтер", "ru")


def test_query_without_diacritics_matches_with_them():
    assert text.query_terms("imprimanta", "ro") == text.query_terms("imprimantă", "ro")


def test_stop_words_dropped_unless_nothing_else_is_left():
    assert text.query_terms("the printer is not printing", "en") == text.query_terms("printer printing", "en")
    assert text.query_terms("not", "en") == ["not"]


def test_error_codes_are_kept_whole():
    assert text.query_terms("0x80070005", "en") == ["0x80070005"]


def test_unknown_language_is_indexed_unstemmed():
    assert text.query_terms("Drucker Warteschlangen", "de") == ["drucker", "warteschlangen"]


def test_one_stemmer_is_loaded_without_importing_every_language():
    text.stemmer("en")("testing")
    assert "snowballstemmer.yiddish_stemmer" not in sys.modules


def test_russian_and_romanian_common_words_are_stop_words():
    assert text.query_terms("принтер уже совсем не печатает, что делать?", "ru") == \
        text.query_terms("принтер совсем печатает делать", "ru")
    assert text.query_terms("dacă imprimanta nu mai printează după ce s-a blocat", "ro") == \
        text.query_terms("imprimanta printeaza blocat", "ro")

