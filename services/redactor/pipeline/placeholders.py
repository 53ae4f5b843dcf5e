"""Resolve overlapping candidates and render typed, numbered placeholders.

People are numbered in order of first mention ("[PERSON 1]", "[PERSON 2]"), and a later
mention by first name or surname alone reuses the number of the full name it belongs to.
One `Numbering` can run across several texts (the fields of one report), so a person keeps
one number in all of them and two people never share one. Every other type has one
unnumbered placeholder ("[EMAIL]", "[WORKPLACE]"...).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .types import PRECEDENCE, Candidate, Entity

# Anything that already looks like one of our placeholders is left alone (idempotence).
PLACEHOLDER_RE = re.compile(r"\[(?:PERSON(?: \d+)?|[A-Z]{2,10})\]")

_TITLE_RE = re.compile(r"^(?:dr|mr|mrs|ms|miss|mx|prof|sister|matron|nurse|sr)\.?\s+", re.IGNORECASE)
_POSSESSIVE_RE = re.compile(r"(?:'s|’s|'|’)$")


def protected_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]


# Structured matches (checksums, exact formats) win over everything; guesses from the NER
# model and bare long numbers lose to any rule; otherwise the longer span wins.
STRONG_SOURCES = frozenset(
    "email url nhs_number ni_number card iban nmc_pin driving_licence dob postcode org_csv".split()
)
WEAK_SOURCES = frozenset("long_number reference ner_place outward_code".split())


def _tier(c: Candidate) -> int:
    if c.source in STRONG_SOURCES:
        return 0
    return 2 if c.source in WEAK_SOURCES else 1


class _Intervals:
    """Non-overlapping intervals kept sorted, so overlap checks stay logarithmic."""

    def __init__(self, intervals: list[tuple[int, int]]) -> None:
        self.items: list[tuple[int, int]] = []
        for start, end in sorted(intervals):
            if not self.overlapping(start, end):
                self.items.append((start, end))

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        i = bisect.bisect_left(self.items, (end, -1))
        found = []
        while i > 0 and self.items[i - 1][1] > start:
            i -= 1
            found.append(self.items[i])
        return found

    def add(self, start: int, end: int) -> None:
        bisect.insort(self.items, (start, end))


def _remainders(start: int, end: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) not already covered by a chosen span."""
    pieces = [(start, end)]
    for t_start, t_end in taken:
        next_pieces = []
        for p_start, p_end in pieces:
            if t_end <= p_start or p_end <= t_start:
                next_pieces.append((p_start, p_end))
                continue
            if p_start < t_start:
                next_pieces.append((p_start, t_start))
            if t_end < p_end:
                next_pieces.append((t_end, p_end))
        pieces = next_pieces
    return pieces


_STRUCTURED = frozenset({"ADDRESS", "ID", "PHONE", "EMAIL", "URL", "POSTCODE", "HANDLE"})
_WORD = re.compile(r"[^\W_]{2,}|\d")


def resolve(candidates: Iterable[Candidate], text: str, keep_words: frozenset[str] = frozenset()) -> list[Entity]:
    """Choose non-overlapping spans: stronger tier first, then longer span, then label.

    A span that overlaps one already chosen is not thrown away: its uncovered remainder is
    kept if it still holds a word or digit that is not on the keep-list, so that a street
    cut short by a postcode, or a "+44 (0)" in front of a number, never leaks."""
    blocked = protected_spans(text)
    ordered = sorted(
        (c for c in candidates if c.end > c.start),
        key=lambda c: (_tier(c), -(c.end - c.start), PRECEDENCE.get(c.label, 99), c.start),
    )
    taken = _Intervals(blocked)
    chosen: list[Entity] = []
    for cand in ordered:
        start, end = _trim(text, cand.start, cand.end)
        if end <= start:
            continue
        overlapping = taken.overlapping(start, end)
        if not overlapping:
            taken.add(start, end)
            chosen.append(Entity(start, end, cand.label))
            continue
        for p_start, p_end in _remainders(start, end, overlapping):
            p_start, p_end = _trim(text, p_start, p_end)
            words = _WORD.findall(text[p_start:p_end])
            # Left-overs of a structured match (the "U" of a licence number, the "the corner
            # of ... and" of an address) are still part of it.
            structured = cand.label in _STRUCTURED and any(c.isalnum() for c in text[p_start:p_end])
            address_part = structured
            if p_end > p_start and (address_part or any(w.lower() not in keep_words for w in words)):
                taken.add(p_start, p_end)
                chosen.append(Entity(p_start, p_end, cand.label))
    chosen.sort()
    return _merge_adjacent(chosen, text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\r\n,;:.\"'“”‘’()":
        start += 1
    while end > start and text[end - 1] in ' \t\r\n,;:"“”‘’(':
        end -= 1
    # Keep a sentence's full stop outside the span unless it ends an abbreviation like "Apt."
    if end > start and text[end - 1] == "." and not re.search(r"\b\w{1,4}\.$", text[start:end]):
        end -= 1
    return start, end


def _merge_adjacent(entities: list[Entity], text: str) -> list[Entity]:
    """Join same-label spans separated only by spaces (e.g. two halves of one address)."""
    merged: list[Entity] = []
    for ent in entities:
        if (
            merged
            and merged[-1].label == ent.label
            and ent.label in {"ADDRESS", "WORKPLACE", "ID"}
            and text[merged[-1].end : ent.start].strip(" ,\n") == ""
        ):
            merged[-1] = Entity(merged[-1].start, ent.end, ent.label)
        else:
            merged.append(ent)
    return merged


# Surname particles are left out of the key, so "de la Torre" matches "Rafael de la Torre".
_PARTICLES = frozenset("van von der den de da di du dos das do del della dei degli la las los le les ten ter".split())


def _person_key(surface: str) -> list[str]:
    surface = _TITLE_RE.sub("", surface.strip())
    surface = _POSSESSIVE_RE.sub("", surface)
    parts = [part for part in re.split(r"[\s\-]+", surface.lower()) if part]
    return [part for part in parts if part not in _PARTICLES] or parts


_EXISTING = re.compile(r"\[PERSON (\d+)\]")


@dataclass
class Numbering:
    """Person numbers shared by the texts of one report: names seen so far and the next free
    number (after the highest "[PERSON n]" already in any of the texts)."""

    next_number: int = 1
    numbers: dict[tuple[str, ...], int] = field(default_factory=dict)

    @classmethod
    def for_texts(cls, texts: Iterable[str]) -> Numbering:
        existing = [int(n) for text in texts for n in _EXISTING.findall(text)]
        return cls(next_number=max(existing, default=0) + 1)


def render(text: str, entities: list[Entity], numbering: Numbering | None = None) -> tuple[str, Counter[str]]:
    """Replace each entity with its placeholder; returns (redacted text, counts by label).
    Pass one `numbering` for every field of a report to number people across them."""
    if numbering is None:
        numbering = Numbering.for_texts([text])
    numbers = numbering.numbers
    parts: list[str] = []
    counts: Counter[str] = Counter()
    cursor = 0
    for ent in entities:
        parts.append(text[cursor : ent.start])
        counts[ent.label] += 1
        if ent.label == "PERSON":
            key = tuple(_person_key(text[ent.start : ent.end]))
            number = numbers.get(key)
            if number is None:
                number = _match_partial(key, numbers)
            if number is None:
                number = numbering.next_number
                numbering.next_number += 1
            numbers.setdefault(key, number)
            parts.append(f"[PERSON {number}]")
        else:
            parts.append(f"[{ent.label}]")
        cursor = ent.end
    parts.append(text[cursor:])
    return "".join(parts), counts


def _match_partial(key: tuple[str, ...], numbers: dict[tuple[str, ...], int]) -> int | None:
    """A lone first name or surname reuses the number of a full name that contains it."""
    if not key:
        return None
    for known, number in numbers.items():
        if len(key) == 1 and len(known) > 1 and key[0] in (known[0], known[-1]):
            return number
        if len(known) == 1 and len(key) > 1 and known[0] in (key[0], key[-1]):
            return number
    return None
