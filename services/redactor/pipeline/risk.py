"""Residual-risk score: how likely is it that something identifying is still in the text?

A small trained scorer, in two stages, both logistic regressions whose weights ship in
`data/risk_model.json` (trained by `make train-risk`, bench/train_risk.py, on synthetic
reports only):

1. every visible token that could be personal (not a lower-case ordinary word, not inside
   an entity or placeholder) gets binary features (its shape, which shipped lists hold it,
   where it sits in the sentence, what is beside it, the NER model's label) and a chance
   of being a leak;
2. the report's score combines those chances (their total hazard and the largest) with a
   two report-level facts (an address was found, four or more people named). Length is
   left out on purpose: in synthetic reports it tracks how many names there are to miss,
   which says more about the generator than about real reports.

`needs_review` is true at or above the threshold stored with the weights. Reasons are
short codes with counts ("capitalised_unknown_word:2"); they never quote the text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc, Token

from .placeholders import PLACEHOLDER_RE
from .rules_people import ACTION_VERBS, TITLES
from .types import Entity, Risk
from .vocabulary import DATA_DIR, Vocabulary

MODEL_FILE = DATA_DIR / "risk_model.json"
REASON_LOGIT = -2.5  # a token counts in the reasons from a chance of about 8% of being a leak
_AGE_OR_TIME = re.compile(r"^(?:\d{1,2}|\d{1,2}(?:am|pm|:\d\d)|\d{1,2}[.:]\d\d|(?:19|20)\d\d|\d+(?:st|nd|rd|th|s))$")
_DETERMINERS = frozenset("the a an this that these those my his her our their your its every each any".split())
_JOINERS = frozenset("and & or , with".split())
_PERSON_LABELS = frozenset({"PERSON"})
_ADDRESS_LABELS = frozenset({"ADDRESS", "POSTCODE", "PLACE"})


@dataclass(frozen=True)
class RiskModel:
    token_weights: dict[str, float]
    token_bias: float
    doc_weights: dict[str, float]
    doc_bias: float
    threshold: float

    def token_logit(self, feats: list[str]) -> float:
        w = self.token_weights
        return self.token_bias + sum(w.get(f, 0.0) for f in feats)


@cache
def load_model() -> RiskModel:
    with open(MODEL_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    return RiskModel(
        token_weights=data["token_weights"],
        token_bias=data["token_bias"],
        doc_weights=data["doc_weights"],
        doc_bias=data["doc_bias"],
        threshold=data["threshold"],
    )


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -30 else 0.0


def candidates(doc: Doc, entities: list[Entity], vocab: Vocabulary, text: str) -> list[tuple[list[str], str, int, int]]:
    """Features, a reason code and character offsets for every visible token that could be
    personal data."""
    hidden = [(e.start, e.end, e.label) for e in entities]
    hidden += [(m.start(), m.end(), "PLACEHOLDER") for m in PLACEHOLDER_RE.finditer(text)]
    by_start = {s: label for s, _, label in hidden}
    by_end = {e: label for _, e, label in hidden}
    letters = [c for c in text if c.isalpha()]
    doc_lower = bool(letters) and not any(c.isupper() for c in letters)
    doc_upper = len(letters) > 20 and sum(c.isupper() for c in letters) > 0.8 * len(letters)
    out: list[tuple[list[str], str, int, int]] = []
    n = len(doc)
    # How each word is written elsewhere in the report: a word also written in lower case
    # is an ordinary word; one capitalised in mid-sentence elsewhere is a proper noun.
    lower_seen: set[str] = set()
    cap_mid_seen: set[str] = set()
    if not doc_lower:
        for tok in doc:
            if tok.is_alpha:
                if tok.is_lower:
                    lower_seen.add(tok.lower_)
                elif tok.text[0].isupper() and not tok.is_sent_start:
                    cap_mid_seen.add(tok.lower_)
    for tok in doc:
        if tok.is_space or tok.is_punct:
            continue
        low = tok.lower_.strip("'’")
        if tok.is_lower and low in vocab.common and (low in vocab.stop or not vocab.is_name(low)):
            continue  # the bulk of any text: no signal
        start, end = tok.idx, tok.idx + len(tok.text)
        if hidden and any(s <= start and end <= e for s, e, _ in hidden):
            continue
        if low.rstrip(".") in TITLES:
            continue  # titles stay outside placeholders by design
        feats, reason = _token_features(tok, low, vocab, text, by_start, by_end, start, end, n, doc_lower)
        if feats is None:
            continue
        if low in lower_seen and not tok.is_lower:
            feats.append("lower_elsewhere")
        if low in cap_mid_seen and tok.is_sent_start:
            feats.append("cap_elsewhere")
        if doc_lower:
            feats.append("doc_lower")
        elif doc_upper:
            feats.append("doc_upper")
        out.append((feats, reason, start, end))
    return out


def _token_features(
    tok: Token,
    low: str,
    vocab: Vocabulary,
    text: str,
    by_start: dict[int, str],
    by_end: dict[int, str],
    start: int,
    end: int,
    n: int,
    doc_lower: bool,
) -> tuple[list[str] | None, str]:
    word = tok.text
    f: list[str] = []
    # What is right beside it: partial leaks sit at the edges of what was found.
    left = by_end.get(start - 1) if start and text[start - 1] == " " else by_end.get(start)
    right = by_start.get(end + 1) if text[end : end + 1] == " " else by_start.get(end)
    for side, label in (("left", left), ("right", right)):
        if label is None:
            continue
        f.append(f"{side}_hidden")
        if label in _PERSON_LABELS or label == "PLACEHOLDER":
            f.append(f"{side}_person")
        elif label in _ADDRESS_LABELS:
            f.append(f"{side}_address")
    if any(c.isdigit() for c in word):
        if _AGE_OR_TIME.match(low):
            return None, ""
        if any(c.isalpha() for c in word):
            f.append("alnum")
            reason = "alphanumeric_code"
        elif sum(c.isdigit() for c in word) >= 3:
            f.append("digits3")
            reason = "number_left"
        else:
            f.append("digits_short")
            reason = "number_left"
        return f, reason
    if not tok.is_alpha:
        if "@" in word:
            f.append("at_sign")
            return f, "handle_like"
        return None, ""
    if low in vocab.keep or low in vocab.generic_places:
        return None, ""
    i = tok.i
    prev = tok.nbor(-1).lower_ if i > 0 else ""
    nxt = tok.nbor(1).lower_ if i + 1 < n else ""
    sent_start = tok.is_sent_start or prev in ("", '"', "'", "(", "-", ":")
    if word.isupper() and len(word) > 1:
        shape = "upper"
    elif word[0].isupper():
        shape = "start" if sent_start else "cap"
    else:
        # Lower case means little in a report typed all in lower case, and much in one
        # that uses capitals elsewhere ("lowc": a lower-case word in a cased report).
        shape = "lower" if doc_lower else "lowc"
    f.append(shape)
    if len(word) <= 2:
        f.append("short")
    kinds = []
    if low in vocab.first_names:
        kinds.append("first")
    if low in vocab.surnames:
        kinds.append("sur")
    if low in vocab.word_names:
        kinds.append("wordname")
    if low in vocab.english:
        kinds.append("english")
    if low in vocab.stop:
        kinds.append("stop")
    if low in vocab.acronyms:
        kinds.append("acronym")
    if low in vocab.places:
        kinds.append("place")
    if low in vocab.common:
        kinds.append("common")  # English, keep-list, stop or the scorer's own common words
    elif not kinds:
        kinds.append("oov")
    for k in kinds:
        f.append(k)
        f.append(f"{shape}&{k}")
    # A title is a title when written as one ("Matron X"), or anywhere in an all-lower-case
    # report; "the matron said" in a cased report is a role, not a title before a name.
    if prev in TITLES and (doc_lower or tok.nbor(-1).text[0].isupper()):
        f.append("after_title")
    if prev in _DETERMINERS:
        f.append("after_det")
    if prev in _JOINERS:
        f.append("after_joiner")
    if nxt in ACTION_VERBS:
        f.append("before_verb")
    if nxt in _JOINERS:
        f.append("before_joiner")
    if tok.ent_type_ == "PERSON":
        f.append("ner_person")
    elif tok.ent_type_ in ("GPE", "LOC", "FAC", "ORG", "NORP"):
        f.append("ner_other")
    if shape in ("lower", "lowc"):
        reason = "lowercase_name_like" if vocab.is_name(low) else "rare_word"
    elif vocab.is_name(low):
        reason = "name_like_word"
    elif "oov" in kinds:
        reason = "capitalised_unknown_word"
    else:
        reason = "capitalised_word"
    return f, reason


def doc_features(token_logits: list[float], entities: list[Entity], text: str) -> dict[str, float]:
    probs = [_sigmoid(x) for x in token_logits]
    hazard = sum(-math.log(max(1e-9, 1.0 - p)) for p in probs)
    people = sum(1 for e in entities if e.label == "PERSON")
    return {
        "log_hazard": math.log(hazard + 1e-4),
        "max_logit": max(token_logits, default=-8.0),
        "address_found": float(any(e.label == "ADDRESS" for e in entities)),
        "many_people": float(people >= 4),
    }


def score(doc: Doc, entities: list[Entity], vocab: Vocabulary, text: str | None = None) -> Risk:
    text = doc.text if text is None else text  # Doc.text is rebuilt on every access
    model = load_model()
    cands = candidates(doc, entities, vocab, text)
    logits = [model.token_logit(c[0]) for c in cands]
    df = doc_features(logits, entities, text)
    z = model.doc_bias + sum(model.doc_weights.get(k, 0.0) * v for k, v in df.items())
    value = round(_sigmoid(z), 3)
    counts: dict[str, int] = {}
    for (feats, reason, _, _), logit in zip(cands, logits, strict=True):
        if logit > REASON_LOGIT:  # a token with a real chance of being a leak
            counts[reason] = counts.get(reason, 0) + 1
            if "left_hidden" in feats or "right_hidden" in feats:
                counts["beside_placeholder"] = counts.get("beside_placeholder", 0) + 1
    if df["address_found"]:
        counts["address_found"] = 1
    if df["many_people"]:
        counts["many_people"] = 1
    reasons = [f"{reason}:{k}" for reason, k in sorted(counts.items())]
    return Risk(score=value, reasons=reasons, needs_review=value >= model.threshold)
