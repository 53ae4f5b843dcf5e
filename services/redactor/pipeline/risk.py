"""Residual-risk score: how likely is it that something identifying is still in the text?

Signals are read from the tokens left visible (outside every entity and placeholder).
Reasons are short codes with counts; they never quote the text. The score combines
signals as independent chances of a miss, score = 1 - prod(1 - weight) over each
occurrence (at most 4 per signal); a report at or above REVIEW_THRESHOLD needs a human.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from .placeholders import PLACEHOLDER_RE
from .types import Entity, Risk
from .vocabulary import Vocabulary

REVIEW_THRESHOLD = 0.4
WEIGHTS = {
    "alphanumeric_code": 0.5,  # "QX77Z": looks like a reference or ID
    "number_left": 0.4,  # 3+ digits that are not a year or a time
    "name_like_word": 0.4,  # capitalised mid-sentence and on a name list
    "capitalised_unknown_word": 0.4,  # capitalised mid-sentence, in no vocabulary
    "lowercase_name_like": 0.3,  # lower-case word on a name list ("tracy")
    "rare_word": 0.1,  # lower-case word in no vocabulary (names, typos, jargon)
    "many_people": 0.15,  # four or more people named: more to get wrong
    # Since issue #8: partial leaks sit at the edge of what was found ("[PERSON 1] Kowal",
    # "12 [ADDRESS]"), addresses come in several parts, and a capitalised word in mid-sentence
    # is the commonest shape of a name nobody listed.
    "beside_placeholder": 0.3,  # capitalised word or a number right beside a redacted span
    "address_found": 0.3,  # an address was redacted: its other parts (town, flat) often follow
    "capitalised_mid_sentence": 0.15,  # any other capitalised word mid-sentence (not keep-list)
    "very_long_report": 0.1,
}
_AGE_OR_TIME = re.compile(r"^(?:\d{1,2}|\d{1,2}(?:am|pm|:\d\d)|\d{1,2}[.:]\d\d|(?:19|20)\d\d|\d+(?:st|nd|rd|th|s))$")


def score(doc: Doc, entities: list[Entity], vocab: Vocabulary, text: str | None = None) -> Risk:
    text = doc.text if text is None else text  # Doc.text is rebuilt on every access
    hidden = [(e.start, e.end) for e in entities]
    hidden += [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
    counts: dict[str, int] = {}
    starts = {s for s, _ in hidden}
    ends = {e for _, e in hidden}

    def add(reason: str) -> None:
        counts[reason] = counts.get(reason, 0) + 1

    for tok in doc:
        if tok.is_space or tok.is_punct:
            continue
        if tok.is_lower and tok.lower_ in vocab.common:  # the bulk of any text: no signal
            continue
        start, end = tok.idx, tok.idx + len(tok.text)
        if any(s <= start and end <= e for s, e in hidden):
            continue
        word = tok.text
        low = tok.lower_.strip("'’")
        beside = (start - 1 in ends and text[start - 1] == " ") or (end + 1 in starts and text[end : end + 1] == " ")
        if beside and (word[0].isupper() or word[0].isdigit()) and low not in vocab.stop and low not in vocab.keep:
            add("beside_placeholder")
        if any(c.isdigit() for c in word):
            if _AGE_OR_TIME.match(low):
                continue
            if any(c.isalpha() for c in word):
                add("alphanumeric_code")
            elif sum(c.isdigit() for c in word) >= 3:
                add("number_left")
            continue
        if not tok.is_alpha or low in vocab.keep or low in vocab.generic_places:
            continue
        mid_sentence = not tok.is_sent_start
        if word[0].isupper() and mid_sentence and low not in vocab.stop:
            if vocab.is_name(low):
                add("name_like_word")
            elif low not in vocab.common:
                add("capitalised_unknown_word")
            else:
                add("capitalised_mid_sentence")
        elif tok.is_lower and low not in vocab.common:
            add("lowercase_name_like" if vocab.is_name(low) else "rare_word")
    if any(e.label == "ADDRESS" for e in entities):
        counts["address_found"] = 1
    if sum(1 for e in entities if e.label == "PERSON") >= 4:
        counts["many_people"] = 1
    if len(text) > 3000:
        counts["very_long_report"] = 1
    remaining = 1.0
    for reason, n in counts.items():
        remaining *= (1 - WEIGHTS[reason]) ** min(n, 4)
    value = round(1 - remaining, 3)
    reasons = [f"{reason}:{n}" for reason, n in sorted(counts.items())]
    return Risk(score=value, reasons=reasons, needs_review=value >= REVIEW_THRESHOLD)
