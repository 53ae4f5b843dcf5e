"""Multi-label theme tagging with a PhraseMatcher over a lexicon per theme code.

The lexicon (data/themes.json) maps each code of portal_common.taxonomy.THEMES to phrases;
matching is on lower-cased tokens, so inflections are listed explicitly in the data file.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from portal_common.taxonomy import THEME_CODES

from .types import RedactionError
from .vocabulary import load_theme_lexicon, read_section

PRACTICE_NOUNS = [
    "faith",
    "festival",
    "holiday",
    "holidays",
    "dress",
    "prayers",
    "prayer",
    "beliefs",
    "practice",
    "fasting",
    "headscarf",
    "clothing",
    "food",
]
STAFF_NOUNS = [
    "nurse",
    "nurses",
    "staff",
    "doctor",
    "doctors",
    "colleague",
    "colleagues",
    "hca",
    "hcas",
    "midwife",
    "midwives",
    "workers",
    "carers",
    "recruits",
    "registrar",
    "registrars",
]


class ThemeTagger:
    def __init__(self, nlp: Language) -> None:
        lexicon = load_theme_lexicon()
        unknown = set(lexicon) - THEME_CODES
        if unknown:
            raise RedactionError(f"themes.json has codes outside the taxonomy: {sorted(unknown)}")
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for code, phrases in lexicon.items():
            self.matcher.add(code, list(nlp.tokenizer.pipe(phrases)))  # type: ignore[union-attr]
        # "the Filipino nurses", "Nigerian staff": a nationality word before a staff noun.
        nationalities = read_section("keep_words.txt", "nationalities and national origins")
        self.patterns = Matcher(nlp.vocab)
        # Home-grown staff are not "international": these do not count on their own.
        overseas = sorted(nationalities - {"english", "british", "welsh", "scottish", "northern"})
        self.patterns.add(
            "international_staff",
            [[{"LOWER": {"IN": overseas}}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": STAFF_NOUNS}}]],
        )
        religions = sorted(read_section("keep_words.txt", "religions and belief"))
        self.patterns.add(
            "religious_dress_practice",
            [[{"LOWER": {"IN": religions}}, {"LOWER": {"IN": PRACTICE_NOUNS}}]],
        )
        # "a 'real' nurse", "real nursing training": quotes between the words are fine.
        self.patterns.add(
            "competence_questioned",
            [
                [
                    {"LOWER": {"IN": ["real", "proper"]}},
                    {"IS_PUNCT": True, "OP": "?"},
                    {"LOWER": {"IN": ["nurse", "nursing", "doctor", "training", "qualification"]}},
                ]
            ],
        )
        self.vocab = nlp.vocab

    def tag(self, doc: Doc) -> list[str]:
        found = {self.vocab.strings[match_id] for match_id, _, _ in self.matcher(doc)}
        found.update(self.vocab.strings[match_id] for match_id, _, _ in self.patterns(doc))
        return sorted(found)
