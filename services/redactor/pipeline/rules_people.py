"""Finding people on a spaCy Doc: NER, titles, a name lexicon, nicknames in quotes.

NER alone misses lone first names, lower-case names and surnames on their own, so names
from the lexicon are taken too, and a found name grows over neighbouring capitalised
words that are not ordinary vocabulary ("Sarah" + "Okonkwo-Briggs").
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Doc, Token

from .types import Candidate
from .vocabulary import Vocabulary

TITLES = frozenset(
    "dr dr. doctor mr mr. mrs mrs. ms ms. miss mx mx. prof prof. professor sister sr sr. matron "
    "nurse sir dame lady lord rev rev. reverend father imam rabbi pastor auntie aunty uncle "
    "consultant".split()
)
# Titles that are also ordinary nouns only count when capitalised.
_CASED_TITLES = frozenset("sister nurse doctor consultant lady lord father uncle".split())
_NICKNAME_VERBS = frozenset("called call calls calling named nicknamed renamed known".split())
_QUOTES = frozenset("\"'“”‘’`")


def _clean(tok: Token) -> str:
    return tok.lower_.strip("'’")


def _capitalised(tok: Token) -> bool:
    t = tok.text
    return len(t) > 1 and t[0].isupper() and not t.isupper()


def _is_title(tok: Token) -> bool:
    low = tok.lower_
    if low not in TITLES:
        return False
    return low not in _CASED_TITLES or tok.text[0].isupper()


def _nameish(tok: Token, vocab: Vocabulary) -> bool:
    """Could this token be part of a name that is already anchored by something else?"""
    low = _clean(tok)
    if not tok.is_alpha and not tok.text.replace("'", "").replace("’", "").isalpha():
        return False
    if _capitalised(tok) and low not in vocab.common:
        return True
    return vocab.is_safe_name(low) and tok.is_alpha


def _grow(doc: Doc, start: int, end: int, vocab: Vocabulary) -> tuple[int, int]:
    while end < len(doc):
        tok = doc[end]
        if tok.text in {"-", "'"} and end + 1 < len(doc) and _capitalised(doc[end + 1]):
            end += 2
            continue
        if _nameish(tok, vocab) and not tok.is_sent_start:
            end += 1
            continue
        break
    while start > 0:
        tok = doc[start - 1]
        if (
            _nameish(tok, vocab)
            and not _is_title(tok)
            and _clean(tok) not in vocab.keep
            and (not tok.is_sent_start or vocab.is_safe_name(_clean(tok)))
        ):
            start -= 1
            continue
        break
    return start, end


def find_people(doc: Doc, vocab: Vocabulary) -> Iterator[Candidate]:
    spans: list[tuple[int, int, str]] = []
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            words = [_clean(t) for t in ent if t.is_alpha]
            if words and all(w in vocab.keep or w in TITLES for w in words):
                continue
            s = ent.start
            while s < ent.end and _is_title(doc[s]):
                s += 1
            if s < ent.end:
                spans.append((s, ent.end, "ner"))
    for i, tok in enumerate(doc):
        low = _clean(tok)
        if _is_title(tok) and i + 1 < len(doc):
            j = i + 1
            if doc[j].text == ".":
                j += 1
            if j < len(doc) and (_capitalised(doc[j]) or vocab.is_safe_name(_clean(doc[j]))):
                if _clean(doc[j]) not in vocab.keep or vocab.is_name(_clean(doc[j])):
                    spans.append((j, j + 1, "title"))
            continue
        if not tok.is_alpha or low in vocab.keep:
            continue
        if vocab.is_safe_name(low):
            spans.append((i, i + 1, "lexicon"))
        elif low in vocab.ambiguous_names and vocab.is_name(low) and _capitalised(tok):
            prev_name = i > 0 and (_is_title(doc[i - 1]) or vocab.is_safe_name(_clean(doc[i - 1])))
            next_name = i + 1 < len(doc) and vocab.is_safe_name(_clean(doc[i + 1]))
            if prev_name or next_name:
                spans.append((i, i + 1, "lexicon_ambiguous"))
        if low in _NICKNAME_VERBS:
            yield from _quoted_after(doc, i, vocab)
    for start, end, source in spans:
        start, end = _grow(doc, start, end, vocab)
        span = doc[start:end]
        yield Candidate(span.start_char, span.end_char, "PERSON", source)


def _quoted_after(doc: Doc, i: int, vocab: Vocabulary) -> Iterator[Candidate]:
    """`called me "Bobby"` / `known as 'Princess'`: a capitalised word inside quotes."""
    j = i + 1
    while j < len(doc) and j <= i + 3 and doc[j].lower_ in {"me", "her", "him", "them", "as", "us"}:
        j += 1
    if j < len(doc) and doc[j].text in _QUOTES:
        k = j + 1
        while k < len(doc) and k <= j + 4 and doc[k].text not in _QUOTES:
            k += 1
        inner = doc[j + 1 : k]
        if len(inner) and k < len(doc) and all(_capitalised(t) for t in inner if t.is_alpha):
            if not all(_clean(t) in vocab.keep for t in inner):
                yield Candidate(inner.start_char, inner.end_char, "PERSON", "nickname")
