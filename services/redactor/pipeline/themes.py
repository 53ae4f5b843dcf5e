"""Multi-label theme tagging with a PhraseMatcher over a lexicon per theme code.

The lexicon (data/themes.json) maps each code of portal_common.taxonomy.THEMES to phrases;
matching is on lower-cased tokens, so inflections are listed explicitly in the data file.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from portal_common.taxonomy import THEME_CODES

from .types import RedactionError
from .vocabulary import load_theme_lexicon, load_theme_rules, read_section


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude stem, the same for a rule's words and a report's: 'refused', 'refuses' and
    'refuse' all give 'refus'; 'invited' and 'invite' give 'invit'."""
    w = word.lower().replace("’", "'")
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    elif w.endswith("es") and len(w) > 4 and w[-3] in "sxh":
        w = w[:-2]
    elif w.endswith("s") and len(w) > 3 and not w.endswith("ss"):
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def _key(phrase: str) -> str:
    return " ".join(stem(w) for w in phrase.split())

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
        # Paraphrases ("asked me to say it again", "nobody makes room for me"): one sentence
        # holding a word or phrase from every group of a rule (data/theme_rules.json).
        rules = load_theme_rules()
        unknown = set(rules) - THEME_CODES
        if unknown:
            raise RedactionError(f"theme_rules.json has codes outside the taxonomy: {sorted(unknown)}")
        # Inverted index: a stem or phrase -> the (rule, group) pairs it satisfies; and for a
        # phrase's first word, the phrase lengths to try from it.
        self.rule_codes: list[str] = []
        self.rule_sizes: list[int] = []
        self.index: dict[str, list[tuple[int, int]]] = {}
        self.lengths: dict[str, set[int]] = {}
        for code, code_rules in rules.items():
            for rule in code_rules:
                r = len(self.rule_codes)
                self.rule_codes.append(code)
                self.rule_sizes.append(len(rule))
                for g, group in enumerate(rule):
                    for phrase in group:
                        key = _key(phrase)
                        self.index.setdefault(key, []).append((r, g))
                        words = key.split()
                        if len(words) > 1:
                            self.lengths.setdefault(words[0], set()).add(len(words))

    def tag(self, doc: Doc) -> list[str]:
        found = {self.vocab.strings[match_id] for match_id, _, _ in self.matcher(doc)}
        found.update(self.vocab.strings[match_id] for match_id, _, _ in self.patterns(doc))
        index, lengths = self.index, self.lengths
        for sent in doc.sents if doc.has_annotation("SENT_START") else [doc[:]]:
            stems = [stem(t.text) for t in sent if not t.is_punct]
            hits: dict[int, set[int]] = {}
            for i, s in enumerate(stems):
                keys = [s] + [" ".join(stems[i : i + n]) for n in lengths.get(s, ()) if i + n <= len(stems)]
                for key in keys:
                    for r, g in index.get(key, ()):
                        hits.setdefault(r, set()).add(g)
            for r, groups in hits.items():
                if len(groups) == self.rule_sizes[r]:
                    found.add(self.rule_codes[r])
        return sorted(found)
