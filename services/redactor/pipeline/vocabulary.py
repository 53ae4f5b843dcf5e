"""Curated word lists shipped as data files in services/redactor/data/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_words(name: str) -> frozenset[str]:
    """All whitespace-separated words of a data file, lower-cased; `#` lines are comments."""
    words: set[str] = set()
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        for line in fh:
            if line.lstrip().startswith("#"):
                continue
            words.update(w.lower() for w in line.split())
    return frozenset(words)


def read_section(name: str, section: str) -> frozenset[str]:
    """The words under one `## section` header of a data file, lower-cased."""
    words: set[str] = set()
    inside = False
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("##"):
                inside = line[2:].strip().lower() == section
            elif inside and not line.lstrip().startswith("#"):
                words.update(w.lower() for w in line.split())
    return frozenset(words)


@dataclass(frozen=True)
class Vocabulary:
    keep: frozenset[str]
    first_names: frozenset[str]
    surnames: frozenset[str]
    ambiguous_names: frozenset[str]
    generic_places: frozenset[str]
    common: frozenset[str]
    english: frozenset[str]
    word_names: frozenset[str]  # names that are also words, listed in ambiguous_names.txt
    lower_ok: frozenset[str]  # names safe to take even when written in lower case
    stop: frozenset[str]
    places: frozenset[str]  # town, city and region words: labelled PLACE, not PERSON
    acronyms: frozenset[str] = frozenset()  # "HR", "ICU", "P.S." (dots removed): never initials

    def is_name(self, lower: str) -> bool:
        return lower in self.first_names or lower in self.surnames or lower in self.word_names

    def is_lower_name(self, lower: str) -> bool:
        return lower in self.lower_ok

    def is_safe_name(self, lower: str) -> bool:
        """A listed name that is not also an ordinary or keep-list word."""
        return self.is_name(lower) and lower not in self.ambiguous_names and lower not in self.keep


def with_plurals(words: frozenset[str], names: frozenset[str] = frozenset()) -> frozenset[str]:
    """Each word and its plural: a keep-list demonym, weekday or role is kept in the plural
    too ("the Latvians", "on Fridays", "the phlebotomists", "OTs"). A plural that is also a
    listed name ("Frances", "Banks", "Summers") is left out: it stays a name."""
    plurals: set[str] = set()
    for w in words:
        if not w.isalpha() or len(w) < 2:
            continue
        if w.endswith(("s", "x", "ch", "sh")):
            plurals.add(w + "es")
        elif w.endswith("y") and len(w) > 3 and w[-2] not in "aeiou":
            plurals.add(w[:-1] + "ies")
        plurals.add(w + "s")
    return words | frozenset(plurals - names)


@cache
def load_vocabulary() -> Vocabulary:
    from spacy.lang.en.stop_words import STOP_WORDS

    english = read_words("english_words.txt")
    hand_first = read_words("first_names.txt")
    hand_surnames = read_words("surnames.txt")
    first_names = hand_first | read_words("census_first_names.txt")
    surnames = hand_surnames | read_words("census_surnames.txt")
    keep = with_plurals(read_words("keep_words.txt"), first_names | surnames) | read_words("health_terms.txt")
    stop = frozenset(STOP_WORDS)
    word_names = read_words("ambiguous_names.txt")
    ambiguous = word_names | stop | ((first_names | surnames) & english)
    return Vocabulary(
        keep=keep,
        first_names=first_names,
        surnames=surnames,
        # A listed name that is also an everyday word ("will", "grace") needs context.
        ambiguous_names=ambiguous,
        generic_places=read_words("generic_places.txt"),
        common=read_words("common_words.txt") | keep | stop | english,
        english=english,
        word_names=word_names,
        lower_ok=(first_names | hand_surnames) - ambiguous - keep,
        stop=stop,
        places=read_words("gazetteer_places.txt") - keep,
        acronyms=read_words("acronyms.txt"),
    )


@cache
def load_theme_lexicon() -> dict[str, list[str]]:
    with open(DATA_DIR / "themes.json", encoding="utf-8") as fh:
        data: dict[str, list[str]] = json.load(fh)
    return data


@cache
def load_theme_rules() -> dict[str, list[list[list[str]]]]:
    """Co-occurrence rules per theme code (keys starting with '_' are comments)."""
    with open(DATA_DIR / "theme_rules.json", encoding="utf-8") as fh:
        data: dict[str, list[list[list[str]]]] = json.load(fh)
    return {code: rules for code, rules in data.items() if not code.startswith("_")}
