"""Issue #8, the names that still got through: everyday-word and virtue names doing what people
do, names common among international staff, names in capitals, initials, informal names and
second spellings; and the everyday words that must stay. Examples written for these tests."""

from __future__ import annotations

import pytest

LEAKED_BEFORE = [
    # everyday-word and virtue names at a sentence start, with a person's doing after them
    ("Heather and I were the only two on the early.", ["Heather"]),
    ("Clement told me my English was 'quaint'.", ["Clement"]),
    ("Goodness was told to stop wearing her headwrap.", ["Goodness"]),
    ("Talent got called 'boy' by the relative in bay 2.", ["Talent"]),
    ("Marvellous from pharmacy kept asking where I was really from.", ["Marvellous"]),
    ("Me and Promise were left off the training list.", ["Promise"]),
    ("Summer and Harmony laugh whenever I answer the phone.", ["Summer", "Harmony"]),
    # names common among West African, Zimbabwean, South Asian and Eastern European staff
    ("nkiru from the day unit said I should 'go back home'.", ["nkiru"]),
    ("Simbarashe and Tsitsi were put on nights for the whole month.", ["Simbarashe", "Tsitsi"]),
    ("Gurinder was asked if her turban was 'a fashion thing'.", ["Gurinder"]),
    ("Ewelina got told to speak English on her break.", ["Ewelina"]),
    # capitals
    ("I TOLD BEVERLEY ABOUT IT AND SHE LAUGHED.", ["BEVERLEY"]),
    ("The matron, GRAZYNA, said nothing.", ["GRAZYNA"]),
    ("WHEN I REPORTED IT, TAPIWA MUCHENJE SAID I WAS OVERREACTING.", ["TAPIWA", "MUCHENJE"]),
    # initials
    ("JP said Filipino nurses only care about money.", ["JP"]),
    ("The consultant, L.M., rolled her eyes at my accent.", ["L.M."]),
    ("It was organised by S. K. and nobody told me.", ["S.", "K."]),
    ("(TB and F.O. both heard it.)", ["TB", "F.O."]),
    ("Dr H would not take a handover from me.", [" H "]),
    # informal names and second spellings
    ("then bazza from estates started doing the accent", ["bazza"]),
    ("big tash on the ward told me to smile more", ["tash"]),
    ("Yevgenia (or Evgenia, she answers to both) was called 'the Russian'.", ["Yevgenia", "Evgenia"]),
    ("oluwadamilare (spelt oluwadamilola on the rota) was moved again", ["oluwadamilare", "oluwadamilola"]),
]


@pytest.mark.parametrize(("text", "names"), LEAKED_BEFORE)
def test_names_that_leaked_are_removed(redactor, text, names):
    out = redactor.redact(text).redacted
    for name in names:
        assert name not in out, out
    assert "[PERSON" in out


KEPT = [
    "I had hope that something would change after the meeting.",
    "She answered every question with grace.",
    "Will you stop doing that voice, I asked him.",
    "They told me to mark the chart again.",
    "The noise rose every time I spoke.",
    "I only work Fridays and Sundays now.",
    "The Latvians and the Zimbabweans are always put on the same bay.",
    "The phlebotomist and the OTs laughed.",
    "HR said it was not a disciplinary matter.",
    "ICU told me to go home.",
    "The GP said nothing and OH never replied.",
    "Patience was running out on the ward.",
    "Summer was the worst time for it.",
    "It was a gift to have a decent manager for once.",
    "To be frank, nobody reads these.",
    "P.S. I have reported this before.",
    "I asked the patient about his memory and he laughed.",
    "The big bay on the left is always short.",
    "We discussed it at the MDT and the CNS said it was fine.",
]


@pytest.mark.parametrize("text", KEPT)
def test_everyday_words_and_abbreviations_stay(redactor, text):
    assert redactor.redact(text).redacted == text


def test_second_spelling_and_initials_never_take_a_role(redactor):
    out = redactor.redact("Dr K (the locum) would not look at me.").redacted
    assert out == "Dr [PERSON 1] (the locum) would not look at me."


def test_a_word_left_beside_a_redacted_span_raises_risk_without_quoting_it(redactor):
    from services.redactor.pipeline import risk
    from services.redactor.pipeline.types import Entity

    text = "Yesterday Sarah Field came in late."
    doc = redactor.nlp.make_doc(text)
    found = risk.score(doc, [Entity(10, 15, "PERSON")], redactor.vocab, text)  # "Field" left
    assert "beside_placeholder:1" in found.reasons
    assert "Field" not in " ".join(found.reasons)
    clean = risk.score(doc, [Entity(10, 21, "PERSON")], redactor.vocab, text)
    assert not any(r.startswith("beside_placeholder") for r in clean.reasons)


def test_an_address_found_counts_towards_review(redactor):
    result = redactor.redact("She wrote my address, 14 Fernhill Road, on the board, and Flat B Upper.")
    assert any(r.startswith("address_found") for r in result.risk.reasons)


THEME_PARAPHRASES = [
    ("The charge nurse made me say the patient's name again and again until she could follow me.", "accent_language"),
    ("Nobody invited me to the leaving drinks, and I saw the photos on Monday.", "exclusion_isolation"),
    ("He kept asking about my heritage and what my grandparents were, as if I was not from here.", "where_from"),
    ("A relative said she would wait for another nurse rather than let me near her dad.", "care_refused"),
    ("I raised it with my manager in June and I have still heard nothing back.", "leadership_inaction"),
    ("My request for fixed days so I could do the nursery pick-up was turned down.", "pregnancy_caring"),
]


@pytest.mark.parametrize(("text", "code"), THEME_PARAPHRASES)
def test_paraphrased_themes_are_tagged(redactor, text, code):
    assert code in redactor.redact(text).themes


def test_a_plain_shift_report_has_no_theme(redactor):
    assert redactor.redact("We were short of staff and I covered two bays until the night team came.").themes == []
