"""Multi-label theme tagging with a PhraseMatcher over a lexicon per theme code.

The lexicon (data/themes.json) maps each code of portal_common.taxonomy.THEMES to phrases;
matching is on lower-cased tokens, so inflections are listed explicitly in the data file.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from portal_common.taxonomy import THEME_CODES

from .types import RedactionError
from .vocabulary import load_theme_lexicon


class ThemeTagger:
    def __init__(self, nlp: Language) -> None:
        lexicon = load_theme_lexicon()
        unknown = set(lexicon) - THEME_CODES
        if unknown:
            raise RedactionError(f"themes.json has codes outside the taxonomy: {sorted(unknown)}")
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for code, phrases in lexicon.items():
            self.matcher.add(code, list(nlp.tokenizer.pipe(phrases)))
        self.vocab = nlp.vocab

    def tag(self, doc: Doc) -> list[str]:
        found = {self.vocab.strings[match_id] for match_id, _, _ in self.matcher(doc)}
        return sorted(found)
