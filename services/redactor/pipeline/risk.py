"""Residual-risk score: how likely is it that something identifying is still in the text?

Signals are read from the redacted output only. Reasons are short codes with counts; they
never quote the text. The score combines signals as independent chances of a miss:
score = 1 - prod(1 - weight_i) over each signal occurrence (capped per signal).
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from .placeholders import PLACEHOLDER_RE
from .types import Entity, Risk
from .vocabulary import Vocabulary

REVIEW_THRESHOLD = 0.5
WEIGHTS = {
    "capitalised_unknown_word": 0.25,
    "number_left": 0.25,
    "alphanumeric_code": 0.4,
    "rare_word": 0.05,
    "many_people": 0.15,
    "very_long_report": 0.1,
}
_AGE_OR_TIME = re.compile(r"^(?:\d{1,2}|\d{1,2}(?:am|pm|:\d\d)|(?:19|20)\d\d|\d+(?:st|nd|rd|th|s))$")


def score(doc: Doc, entities: list[Entity], vocab: Vocabulary) -> Risk:
    covered = [(e.start, e.end) for e in entities]
    holders = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(doc.text)]
    counts: dict[str, int] = {}

    def inside(tok_start: int, tok_end: int) -> bool:
        return any(s <= tok_start and tok_end <= e for s, e in covered + holders)

    for tok in doc:
        if tok.is_space or tok.is_punct or inside(tok.idx, tok.idx + len(tok.text)):
            continue
        text = tok.text
        low = tok.lower_.strip("'’")
        if any(c.isdigit() for c in text):
            if any(c.isalpha() for c in text) and not _AGE_OR_TIME.match(low):
                counts["alphanumeric_code"] = counts.get("alphanumeric_code", 0) + 1
            elif not _AGE_OR_TIME.match(low):
                counts["number_left"] = counts.get("number_left", 0) + 1
            continue
        if not tok.is_alpha:
            continue
        if text[0].isupper() and not tok.is_sent_start and low not in vocab.common:
            counts["capitalised_unknown_word"] = counts.get("capitalised_unknown_word", 0) + 1
        elif len(low) >= 12 and low not in vocab.common:
            counts["rare_word"] = counts.get("rare_word", 0) + 1
    people = sum(1 for e in entities if e.label == "PERSON")
    if people >= 4:
        counts["many_people"] = 1
    if len(doc.text) > 3000:
        counts["very_long_report"] = 1
    remaining = 1.0
    for reason, n in counts.items():
        remaining *= (1 - WEIGHTS[reason]) ** min(n, 4)
    value = round(1 - remaining, 3)
    reasons = [f"{reason}:{n}" for reason, n in sorted(counts.items())]
    return Risk(score=value, reasons=reasons, needs_review=value >= REVIEW_THRESHOLD)
