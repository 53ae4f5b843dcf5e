"""Finding people on a spaCy Doc: NER, titles, name lexicons, unknown proper nouns, nicknames.

NER alone misses lone first names, lower-case names and surnames on their own, so names
from the lexicons are taken too. A found name grows over its neighbours: initials
("J."), particles ("van", "ten", "de la"), capitalised words after a first name ("Maya
Thorn"), and words that are not ordinary English ("Okonkwo-Briggs", lower-case "quillfoyle").
A capitalised word that is in no vocabulary we ship (not English, not a keep-list word) is
taken as a name too, unless the NER model called it a place or an organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from spacy.tokens import Doc, Span, Token

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
_PARTICLES = frozenset(
    "van von der den de da di du dos das do del della dei degli la las los le les ten ter bin ibn al el mac".split()
)
# Particles that begin a surname even with no first name before them ("Dr de Souza").
# Not "van" (the vehicle: "the van Tom drove"), nor "do" or "ten" (English words).
_SURNAME_PARTICLES = frozenset("von de da di du dos das del della dei degli la le les al el bin ibn".split())
# A lower-case word after an article or a demonstrative is a noun ("the phlebotomist
# laughed"), not a name: English puts no article before a person's name.
_DETERMINERS = frozenset("the a an this that these those every each any some another".split())
# Lower-case words shaped like job titles ("phlebotomist", "sonographer", "paediatrician").
_ROLE_SUFFIX = re.compile(
    r"(?:ologist|otomist|apist|iatrist|metrist|macist|ntist|etist|onist|alist|ptist|ician|itian|ographer)s?$"
)
# A short phrase naming where someone works, between a name and its verb ("Ruby in
# outpatients said", "Hope from pharmacy laughed").
_WHERE = frozenset("in on from at".split())
# Context that marks the next (or previous) word as a person even if no list knows it.
ROLE_WORDS = frozenset(
    "colleague colleagues manager supervisor mentor preceptor nurse doctor matron student friend "
    "mate boss lead registrar consultant hca porter patient relative visitor husband wife son "
    "daughter brother sister cousin auntie uncle named called".split()
)
ACTION_VERBS = frozenset(
    "said says told tells asked asks keeps kept called calls shouted shouts laughed laughs "
    "jokes joked stopped refused refuses thinks thought mocked mocks touched posted wrote "
    "replied agreed explained insisted snapped sighed smirked whispered yelled screamed "
    "complained reported ignored ignores interrupted interrupts mimicked mimics "
    # what people do to each other in these reports: "again Grace rolled her eyes"
    "rolled rolls stared stares glared glares sneered sneers scoffed scoffs muttered mutters "
    "commented comments remarked remarks questioned questions corrected corrects dismissed "
    "dismisses belittled belittles patronised patronises mispronounced mispronounces "
    "assumed assumes accused accuses blamed blames criticised criticises implied implies "
    "excluded excludes introduced introduces spoke speaks talked talks walked walks".split()
)
# "told Amara to...", "asked Hope": a verb that takes a person as its object.
_PRE_VERBS = frozenset("told asked thanked emailed messaged phoned rang texted warned reminded".split())
_ADVERBS = frozenset("all both then just also never always often still even again".split())
# More of what a person does, used only for the stronger check on a word that is also an
# everyday word or a keep-list word ("Basil and I", "Memory asked", "Favour was told").
_MORE_PERSON_VERBS = frozenset(
    "imitates imitated copies copied organised organises invited invites hates hated sits sat "
    "checks checked wants wanted gave gives took takes tried tries smiled nodded winked pointed "
    "grabbed pushed pulled shouts phoned rang emailed messaged texted whispers laughs "
    "heard saw watched noticed knew saw overheard witnessed "
    # plural subjects: "Summer and Harmony sit together"
    "sit say tell ask keep laugh talk call refuse ignore mock shout stare whisper".split()
)
# "Favour was told", "Innocent was asked", "Princess got called": only a person is.
_PERSON_PASSIVES = frozenset(
    "told asked called introduced taken moved sent given put accused blamed mocked named "
    "nicknamed excluded ignored laughed spoken shouted pulled removed reported questioned "
    "criticised targeted bullied humiliated belittled patronised harassed singled refused denied "
    "overlooked transferred threatened sworn shouted screamed".split()
)
_AUX = frozenset("was were is are gets got has have had been keeps kept".split())
_SELF = frozenset({"i", "me"})
# "(or mehmed, I never know)", "(spelt ...)", "(everyone calls her ...)": a second spelling or
# another name for the person just named.
_ALIAS_MARKERS = frozenset(
    "or aka a.k.a. a.k.a spelt spelled also sometimes formerly nee née known as written "
    "calls call called goes by everyone we they i just".split()
)
# "big mo", "little jay": an informal name after one of these.
_NICK_ADJ = frozenset("big little lil old young wee".split())
_POSSESSIVE = frozenset("my your his her our their its".split())
# Informal names built on a short name: "gazza", "shazza", "robbo", "jonno", "smithy".
_NICK_SUFFIX = re.compile(r"^([a-z]{2,5}?)(?:za|zza|zzer|zzy|zzie|ers|o|y|ie)$")
_DOTTED_INITIALS = re.compile(r"(?:[A-Z]\.){2,3}")
_LIST_JOINERS = frozenset({",", "and", "&"})
# NER labels that already lead to a [WORKPLACE]/[PLACE] placeholder of their own.
_OTHER_NER = frozenset("ORG GPE LOC FAC".split())


def _clean(tok: Token) -> str:
    return tok.lower_.strip("'’")


def _capitalised(tok: Token) -> bool:
    t = tok.text
    return len(t) > 1 and t[0].isupper() and not t.isupper()


def _initial(tok: Token) -> bool:
    t = tok.text.rstrip(".")
    return len(t) == 1 and t.isupper() and t.isalpha()


def _is_title(tok: Token) -> bool:
    low = tok.lower_
    if low not in TITLES:
        return False
    return low not in _CASED_TITLES or tok.text[0].isupper()


MAX_NAME_TOKENS = 6  # a name grows at most this far each way
_TRIPLE = re.compile(r"(\w)\1\1")


_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}\d?s")


def _odd_shape(text: str) -> bool:
    """Hashtag-like CamelCase ("WorkFromHome"), elongation ("Staaahp") or an acronym in the
    plural ("OTs", "HCAs", "FY1s"): not a name."""
    inner_caps = sum(1 for c in text[2:] if c.isupper())
    return inner_caps >= 2 or _TRIPLE.search(text) is not None or _ACRONYM_PLURAL.fullmatch(text) is not None


def _noun_context(doc: Doc, i: int) -> bool:
    """A lower-case word that reads as a common noun: after an article, or shaped like a role."""
    return (i > 0 and doc[i - 1].lower_ in _DETERMINERS) or _ROLE_SUFFIX.search(doc[i].lower_) is not None


def _unknown_proper(tok: Token, vocab: Vocabulary) -> bool:
    """Capitalised, and in no vocabulary we ship: most likely a name."""
    low = _clean(tok)
    return (
        _capitalised(tok)
        and tok.is_alpha
        and low not in vocab.common
        and low not in vocab.generic_places
        and low not in TITLES
        and not _odd_shape(tok.text)
    )


def backs_a_place(tok: Token, vocab: Vocabulary) -> bool:
    """A word that lets an NER place or organisation count: one the rules here would take
    as a name on their own, so a second pass over redacted text finds nothing new."""
    return _unknown_proper(tok, vocab) or (_capitalised(tok) and vocab.is_safe_name(_clean(tok)))


def _ordinary(tok: Token, vocab: Vocabulary) -> bool:
    """An everyday word or punctuation at the edge of an NER person span ("Hi", "Call")."""
    low = _clean(tok)
    if not tok.is_alpha:
        return tok.is_punct or tok.is_space
    if low in vocab.keep:
        return True
    # "Call Sarah..." at the start of a sentence: an everyday word, even if also a surname.
    if tok.is_sent_start and low in vocab.common and not vocab.is_safe_name(low):
        return True
    return low in vocab.common and not vocab.is_name(low)


def _surname_like(tok: Token, vocab: Vocabulary, after_first_name: bool) -> bool:
    low = _clean(tok)
    if not tok.is_alpha or low in vocab.keep or low in TITLES or low in vocab.generic_places:
        return False
    if _capitalised(tok):
        return after_first_name or low not in vocab.common or vocab.is_name(low)
    if tok.is_upper and len(low) > 2:  # "SANDRA KOWALCZYK"
        return after_first_name and low not in vocab.common and low not in vocab.acronyms
    if tok.is_lower:
        return vocab.is_lower_name(low) or (after_first_name and low not in vocab.common)
    return False


def _grow(doc: Doc, start: int, end: int, vocab: Vocabulary, lower_doc: bool = False) -> tuple[int, int]:
    after_first = vocab.is_name(_clean(doc[end - 1])) and _clean(doc[end - 1]) in vocab.first_names
    lower_anchor = doc[start].is_lower
    limit = min(len(doc), end + MAX_NAME_TOKENS)
    while end < limit:
        tok = doc[end]
        nxt = doc[end + 1] if end + 1 < len(doc) else None
        # "maya k thorn" in a text typed all in lower case: a middle initial.
        if lower_doc and len(tok.text) == 1 and tok.is_alpha and nxt is not None:
            if _surname_like(nxt, vocab, True) or _lower_doc_name(nxt, vocab, seed=False):
                end += 1
                continue
        if tok.text in {"-", "'"} and nxt is not None and _capitalised(nxt):
            end += 2
            continue
        if nxt is not None and _initial(tok) and _capitalised(nxt):
            end += 1
            continue
        if tok.lower_ in _PARTICLES:  # "van der Berg", "de la Torre": particles, then a name
            k = end
            while k < len(doc) and k - end < 3 and doc[k].lower_ in _PARTICLES:
                k += 1
            if k < len(doc) and _capitalised(doc[k]) and _clean(doc[k]) not in vocab.keep:
                end = k + 1
                continue
        if tok.text == "." and end > start and _initial(doc[end - 1]):
            end += 1
            continue
        if not tok.is_sent_start and (
            _surname_like(tok, vocab, after_first) or (lower_doc and _lower_doc_name(tok, vocab, seed=False))
        ):
            if lower_anchor and not tok.is_lower:
                break
            end += 1
            after_first = False
            continue
        break
    floor = max(0, start - MAX_NAME_TOKENS)
    while start > floor:
        tok = doc[start - 1]
        if doc[start].is_sent_start:
            break
        if _initial(tok) and start - 2 >= 0 and _capitalised(doc[start - 2]):
            start -= 1
            continue
        if doc[start].lower_ in _PARTICLES and _capitalised(tok) and vocab.is_name(_clean(tok)):
            start -= 1  # "Ana" before "van der Berg": a listed name before the particles
            continue
        if tok.lower_ in _PARTICLES and (_capitalised(doc[start]) or doc[start].lower_ in _PARTICLES):
            # "Rafael de la Torre" found from its end: the particles, then the first name.
            k = start - 1  # doc[k:start] are particles
            while k - 1 >= floor and start - k < 3 and doc[k - 1].lower_ in _PARTICLES:
                k -= 1
            if k - 1 >= 0 and not doc[k].is_sent_start:
                before = doc[k - 1]
                low_before = _clean(before)
                if (
                    _capitalised(before)
                    and not _is_title(before)
                    and (vocab.is_name(low_before) or (low_before not in vocab.common and low_before not in vocab.keep))
                ):
                    start = k - 1
                    continue
            # "Dr de la Cruz": the particles belong to the surname; a title stays outside.
            if start - k > 1 or doc[k].lower_ in _SURNAME_PARTICLES:
                start = k
            break
        if _clean(tok) in vocab.keep or _is_title(tok):
            break
        low = _clean(tok)
        lower_pair = tok.is_lower and doc[start].is_lower and tok.is_alpha
        if (_capitalised(tok) and (low not in vocab.common or vocab.is_safe_name(low))) or (
            lower_pair and (vocab.is_lower_name(low) or (len(low) > 2 and low not in vocab.common))
        ):
            start -= 1
            continue
        break
    return start, end


def _lower_doc_name(tok: Token, vocab: Vocabulary, seed: bool = True) -> bool:
    """In a text with no capital letters at all, capitals carry no signal: a word in no
    vocabulary we ship, or on a name list, is taken as a name (or a place)."""
    low = _clean(tok)
    if not tok.is_alpha or len(low) < 3 or low in TITLES or low in vocab.generic_places:
        return False
    if seed and _noun_context(tok.doc, tok.i):  # a name grown over ("maya a thorn") is not
        return False
    return low not in vocab.common or vocab.is_safe_name(low)


def find_people(
    doc: Doc, vocab: Vocabulary, ents: Sequence[Span], text: str | None = None, lower_fallback: bool = True
) -> Iterator[Candidate]:
    """`lower_fallback`: in a text with no capital letter at all, take any word in no
    vocabulary as a name. It was written for the all-lower-case texts of the public WNUT set;
    the bench runs with it off too, to show what it is worth."""
    spans: list[tuple[int, int, str]] = []
    text = doc.text if text is None else text  # Doc.text is rebuilt on every access
    lower_doc = lower_fallback and len(doc) > 2 and text == text.lower()
    caps_doc = _caps_doc(doc)
    other_ner: set[int] = set()
    for ent in ents:
        if ent.label_ in _OTHER_NER:
            other_ner.update(range(ent.start, ent.end))
        if ent.label_ != "PERSON":
            continue
        words = [_clean(t) for t in ent if t.is_alpha]
        if words and all(w in vocab.keep or w in TITLES for w in words):
            continue
        s, e = ent.start, ent.end
        while s < e and (_is_title(doc[s]) or _ordinary(doc[s], vocab)):
            s += 1
        while e > s and _ordinary(doc[e - 1], vocab):
            e -= 1
        # The model's guesses shift with context; to stay stable when the output is redacted
        # again, an NER person needs a word that is no everyday word, or a name in context.
        if s < e and any(supports_a_name(doc, k, vocab) for k in range(s, e)):
            spans.append((s, e, "ner"))
    for i, tok in enumerate(doc):
        low = _clean(tok)
        # Fast path: an everyday lower-case word that is no name, title or nickname verb.
        if (
            not lower_doc
            and low in vocab.common
            and tok.is_lower
            and not vocab.is_name(low)
            and low not in TITLES
            and low not in _NICKNAME_VERBS
        ):
            continue
        if _is_title(tok) and i + 1 < len(doc):
            j = i + 1
            if doc[j].text == ".":
                j += 1
            if j < len(doc) and (_capitalised(doc[j]) or vocab.is_lower_name(_clean(doc[j]))):
                if _clean(doc[j]) not in vocab.keep or vocab.is_name(_clean(doc[j])):
                    spans.append((j, j + 1, "title"))
            elif j < len(doc) and _initial(doc[j]):  # "Dr M", "Mr K."
                spans.append((j, j + 1, "title"))
            continue
        if not caps_doc and not tok.is_lower:
            width = _initials_at(doc, i, vocab)
            if width:
                spans.append((i, i + width, "initials"))
                continue
        if tok.is_upper and len(low) > 1 and tok.is_alpha and not tok.is_lower:
            # "MARGARET", "FARAI": a name typed in capitals
            if low in vocab.acronyms or low in TITLES or low in vocab.generic_places:
                continue
            if vocab.is_safe_name(low) or (caps_doc and len(low) > 2 and low not in vocab.common):
                spans.append((i, i + 1, "capitals"))
                continue
        if (
            (tok.is_title or tok.is_upper or tok.is_lower)
            and tok.is_alpha
            and (low in vocab.word_names or (low in vocab.first_names and low not in vocab.keep))
            and (low not in vocab.stop or low in vocab.word_names)
            and low not in ACTION_VERBS
            and not (tok.is_lower and (low in vocab.keep or (low in vocab.common and low not in vocab.word_names)))
            and not (i > 0 and doc[i - 1].lower_ in _NOT_BEFORE_A_NAME)
            and not (tok.is_lower and _noun_context(doc, i))
            and _person_after(doc, i, vocab, pairs=low not in vocab.keep)
        ):
            # an everyday or keep-list word that is also a name, doing what people do:
            # "Basil and I were", "Autumn told me", "Favour was taken off the rota"
            spans.append((i, i + 1, "lexicon_person"))
            continue
        if tok.is_alpha and i > 0 and doc[i - 1].lower_ in _NICK_ADJ and tok.is_lower and low in vocab.first_names:
            before = doc[i - 2].lower_ if i > 1 else ""
            if before not in _DETERMINERS and before not in _POSSESSIVE and low not in vocab.stop:
                spans.append((i - 1, i + 1, "nickname"))  # "big mo on the ward"
                continue
        if tok.is_alpha and _nickname(low, vocab):
            spans.append((i, i + 1, "nickname"))  # "gazza from theatres"
            continue
        if not tok.is_alpha or low in vocab.keep:
            continue
        if tok.is_lower and _noun_context(doc, i):
            pass  # "the phlebotomist", "an ivy plant": a noun, whatever the lists say
        elif tok.is_lower and vocab.is_lower_name(low):
            spans.append((i, i + 1, "lexicon"))
        elif lower_doc and _lower_doc_name(tok, vocab):
            spans.append((i, i + 1, "lower_doc"))
        elif not tok.is_lower and vocab.is_safe_name(low):
            spans.append((i, i + 1, "lexicon"))
        elif low in vocab.ambiguous_names and vocab.is_name(low) and _capitalised(tok):
            # "Call Sarah", "Ask Tom": a sentence's first word is only a name if our
            # hand-written list says it is mainly one ("Grace", "Will").
            if (not tok.is_sent_start or low in vocab.word_names) and _name_context(doc, i, vocab):
                spans.append((i, i + 1, "lexicon_ambiguous"))
        elif _unknown_proper(tok, vocab) and (
            i not in other_ner
            or _verb_after(doc, i, vocab)
            or _name_context(doc, i, vocab)
            or _alias_after(doc, i + 1, vocab) >= 0
        ):
            spans.append((i, i + 1, "proper_noun"))
        elif tok.is_lower and len(low) > 2 and low not in vocab.common and _role_or_verb(doc, i):
            spans.append((i, i + 1, "context"))
        elif (
            tok.is_lower
            and low in vocab.ambiguous_names
            and vocab.is_name(low)
            and low not in ACTION_VERBS
            and low not in vocab.stop
            and i > 0
            and doc[i - 1].lower_ in ROLE_WORDS
        ):
            spans.append((i, i + 1, "context"))
        elif _capitalised(tok) and not tok.is_sent_start and i > 0 and doc[i - 1].lower_ in ROLE_WORDS:
            if low not in vocab.generic_places and low not in TITLES:
                spans.append((i, i + 1, "context"))
        if low in _NICKNAME_VERBS:
            yield from _quoted_after(doc, i, vocab)
    reach = -1  # spans found inside a name already grown add nothing: skip them (linear time)
    for start, end, source in sorted(spans):
        if end <= reach:
            continue
        if source not in {"initials", "nickname"}:
            start, end = _grow(doc, start, end, vocab, lower_doc or caps_doc)
        reach = max(reach, end)
        alias = _alias_after(doc, end, vocab)
        if alias >= 0:  # "mehmet (or mehmed, ...)": the second spelling is the same person
            yield Candidate(doc[alias].idx, doc[alias].idx + len(doc[alias].text), "PERSON", "alias")
        span = doc[start:end]
        words = [_clean(t) for t in span if t.is_alpha]
        label = "PLACE" if words and all(w in vocab.places for w in words) else "PERSON"
        yield Candidate(span.start_char, span.end_char, label, source)


def supports_a_name(doc: Doc, k: int, vocab: Vocabulary) -> bool:
    tok = doc[k]
    low = _clean(tok)
    if not tok.is_alpha or low in vocab.keep:
        return False
    if tok.is_lower:  # lower case: only names the rules would take on their own
        return vocab.is_lower_name(low)
    if vocab.is_safe_name(low) or _unknown_proper(tok, vocab):
        return True
    if not vocab.is_name(low):
        return False
    # A listed name that is also a word ("Clay", "Homer"), capitalised in mid-sentence: let
    # the model decide (its PERSON span is kept), or a name-like context.
    return (_capitalised(tok) and not tok.is_sent_start) or _name_context(doc, k, vocab)


def _role_or_verb(doc: Doc, i: int) -> bool:
    prev_role = i > 0 and doc[i - 1].lower_ in ROLE_WORDS
    return prev_role or (i + 1 < len(doc) and doc[i + 1].lower_ in ACTION_VERBS)


def _verb_after(doc: Doc, i: int, vocab: Vocabulary) -> bool:
    j = i + 1
    while j < len(doc) and (_capitalised(doc[j]) or doc[j].lower_ in _ADVERBS):
        j += 1
    if j < len(doc) and doc[j].lower_ in _WHERE:  # "Ruby in outpatients said"
        k = j + 1
        if k < len(doc) and doc[k].lower_ == "the":
            k += 1
        n = 0
        while k < len(doc) and n < 2 and (_clean(doc[k]) in vocab.generic_places or _clean(doc[k]) in vocab.keep):
            k += 1
            n += 1
        if n:
            j = k
    return j < len(doc) and doc[j].lower_ in ACTION_VERBS


def _name_context(doc: Doc, i: int, vocab: Vocabulary) -> bool:
    """An everyday word that is also a name ("Grace", "Hope") needs support to count."""

    def name_at(j: int) -> bool:
        if not 0 <= j < len(doc) or j == i:
            return False
        return vocab.is_safe_name(_clean(doc[j])) or _unknown_proper(doc[j], vocab)

    if i > 0 and (_is_title(doc[i - 1]) or doc[i - 1].lower_ in ROLE_WORDS | _PRE_VERBS):
        return True
    # "Lucia van den Broek": a capitalised word after particles that follow a name.
    if i > 1 and doc[i - 1].lower_ in _PARTICLES and (_capitalised(doc[i - 2]) or doc[i - 2].lower_ in _PARTICLES):
        return True
    if name_at(i - 1) or name_at(i + 1):
        return True
    if _verb_after(doc, i, vocab):
        return True
    for step in (-1, 1):
        j = i + step
        if 0 <= j < len(doc) and doc[j].lower_ in _LIST_JOINERS and name_at(j + step):
            return True
    return False


# Before a word that is an adjective or a noun, not a name: "I'm Black and ...", "a patient's
# son asked", "his memory".
_NOT_BEFORE_A_NAME = frozenset("'m am is are was were be being 's ’s".split()) | _DETERMINERS | _POSSESSIVE


def _person_after(doc: Doc, i: int, vocab: Vocabulary, pairs: bool = True) -> bool:
    """Stronger than `_verb_after`: what follows reads as a person's doing, for a word that
    is also an everyday or keep-list word ("Basil and I were", "Memory asked", "Favour was
    taken off", "Marvellous from pharmacy kept"). "Will you", "Mark the chart" do not count."""
    n = len(doc)
    j = i + 1
    if j + 1 < n and doc[j].lower_ in {"and", "&"} and doc[j + 1].lower_ in _SELF:
        return True  # "Basil and I", "Sunday and me"
    if i >= 2 and doc[i - 1].lower_ in {"and", "&"} and doc[i - 2].lower_ in _SELF:
        return True  # "me and Hope"
    # "Summer and Harmony laugh": a pair of names, then a verb
    pair = _clean(doc[j + 1]) if j + 1 < n else ""
    if (
        pair
        and doc[j].lower_ in {"and", "&"}
        and vocab.is_name(pair)
        and pair not in vocab.stop
        and pair not in vocab.keep
        and (pairs or _capitalised(doc[j + 1]))
    ):
        j += 2
    if j < n and doc[j].lower_ in _WHERE:  # "Marvellous from pharmacy kept", "nkiru on nights said"
        k = j + 1
        while k < n and k - j <= 3 and doc[k].is_alpha and not doc[k].is_sent_start:
            low = doc[k].lower_
            if low in ACTION_VERBS or low in _MORE_PERSON_VERBS or low in _AUX:
                break
            k += 1
        if k > j + 1:
            j = k
    while j < n and doc[j].lower_ in _ADVERBS:
        j += 1
    if j >= n:
        return False
    w = doc[j].lower_
    if w in ACTION_VERBS or w in _MORE_PERSON_VERBS:
        return True
    if w in _AUX:
        k = j + 1
        while k < n and k <= j + 3 and (doc[k].lower_ in _ADVERBS or doc[k].lower_ in {"been", "being", "not"}):
            k += 1
        return k < n and doc[k].lower_ in _PERSON_PASSIVES
    return False


def _caps_doc(doc: Doc) -> bool:
    """A report typed in capitals: capitals carry no signal, so words are judged as if lower."""
    words = [t.text for t in doc if t.is_alpha and len(t.text) > 1]
    return len(words) >= 3 and sum(w.isupper() for w in words) >= 0.7 * len(words)


def _initials_at(doc: Doc, i: int, vocab: Vocabulary) -> int:
    """Tokens of a person's initials starting at i ("R.T.", "R. T.", "KB" with context), else 0."""
    tok = doc[i]
    t = tok.text
    if _DOTTED_INITIALS.fullmatch(t):
        key = t.replace(".", "").lower()
        return 1 if key not in vocab.acronyms or _initials_context(doc, i, 1, vocab) else 0
    if len(t) == 2 and t[1] == "." and t[0].isupper() and i + 1 < len(doc):
        nxt = doc[i + 1].text
        if len(nxt) == 2 and nxt[1] == "." and nxt[0].isupper():  # "R. T."
            key = (t[0] + nxt[0]).lower()
            return 2 if key not in vocab.acronyms or _initials_context(doc, i, 2, vocab) else 0
        return 0
    if 2 <= len(t) <= 3 and t.isupper() and t.isalpha():
        low = t.lower()
        if low in vocab.acronyms or low in vocab.keep or low in vocab.stop or low in TITLES:
            return 0
        return 1 if _initials_context(doc, i, 1, vocab) else 0
    return 0


def _initials_context(doc: Doc, i: int, width: int, vocab: Vocabulary) -> bool:
    """Initials stand for a person: a person's verb after ("KB said"), a role, title or
    person-taking verb before ("the reg, RT,"), or another person beside them ("R.J. and MK")."""
    if _person_after(doc, i + width - 1, vocab) or _verb_after(doc, i + width - 1, vocab):
        return True
    prev = doc[i - 1].lower_ if i > 0 else ""
    if prev in ROLE_WORDS or prev in _PRE_VERBS or prev in {"with", "by"}:
        return True
    if prev == "," and i > 1 and (doc[i - 2].lower_ in ROLE_WORDS or doc[i - 2].lower_ in _ROLE_ABBREV):
        return True  # "the reg, RT, laughed"
    for j in (i - 2, i + width + 1):
        if not 0 <= j < len(doc):
            continue
        joiner = doc[j - 1] if j > i else doc[j + 1]
        if joiner.lower_ in _LIST_JOINERS:
            other = doc[j]
            ot = other.text
            if _DOTTED_INITIALS.fullmatch(ot) or (2 <= len(ot) <= 3 and ot.isupper() and ot.isalpha()):
                if ot.replace(".", "").lower() not in vocab.acronyms:
                    return True
            if _capitalised(other) and vocab.is_safe_name(_clean(other)):
                return True
    return False


# Short names for roles, before initials in apposition ("the reg, RT, laughed").
_ROLE_ABBREV = frozenset("reg sho fy1 fy2 consultant sister manager hca cons boss".split())


def _alias_after(doc: Doc, end: int, vocab: Vocabulary) -> int:
    """The token of a second spelling or another name in brackets just after a person, else -1."""
    if end >= len(doc) or doc[end].text not in {"(", "["}:
        return -1
    k = end + 1
    while k < len(doc) and k - end <= 4 and doc[k].lower_ in _ALIAS_MARKERS:
        k += 1
    if k == end + 1 or k >= len(doc) or not doc[k].is_alpha:
        return -1
    tok = doc[k]
    low = _clean(tok)
    if low in vocab.stop or low in vocab.keep or low in TITLES:
        return -1
    return k if (low not in vocab.common or vocab.is_name(low) or _capitalised(tok)) else -1


def _nickname(low: str, vocab: Vocabulary) -> bool:
    """An informal name built on a listed short name: "gazza", "shazza", "robbo", "smithy"."""
    if low in vocab.common or len(low) < 4:
        return False
    m = _NICK_SUFFIX.match(low)
    if m is None:
        return False
    stem = m.group(1)
    stems = {stem, stem + "e"}
    if len(stem) > 2 and stem[-1] == stem[-2]:
        stems |= {stem[:-1], stem[:-1] + "e"}
    return any(vocab.is_safe_name(x) for x in stems)


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
