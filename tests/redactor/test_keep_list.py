"""What must survive: characteristics, nationalities, religions, languages, ages, times."""

from __future__ import annotations

import pytest

from services.redactor.pipeline.vocabulary import load_vocabulary

SENTENCES = [
    "As a Black Muslim woman from Nigeria I was asked where I'm really from.",
    "I'm 62 and they keep asking when I will retire.",
    "Last March on nights a patient said Filipino nurses are all the same.",
    "I speak Tagalog, Urdu and Yoruba with patients who need it.",
    "She is Sikh and wears a turban; he is Jewish and wears a kippah.",
    "I'm a Polish, Catholic, gay man with dyslexia.",
    "Being pregnant and disabled, I asked for reasonable adjustments.",
    "The Ghanaian and Zimbabwean nurses were put on lates again.",
    "My colleague is trans and non-binary and uses they/them pronouns.",
    "I'm Irish, from a Traveller family, and I have a hearing aid.",
    "On Friday during Ramadan I was told the prayer room was closed.",
    "The Romanian HCA and the Indian registrar were both ignored at handover.",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_report_without_personal_data_is_unchanged(redactor, text):
    assert redactor.redact(text).redacted == text


@pytest.mark.parametrize(
    "word",
    [
        "Nigerian",
        "Muslim",
        "Hindu",
        "Tagalog",
        "Black",
        "Jamaican",
        "Welsh",
        "Christian",
        "Urdu",
        "Pakistani",
        "Somali",
        "Bangladeshi",
        "Sri Lankan",
        "Chinese",
        "Polish",
    ],
)
def test_characteristic_word_next_to_a_name_survives(redactor, word):
    result = redactor.redact(f"Tomasz Nowak said the {word} staff should go home.")
    assert word in result.redacted
    assert "Nowak" not in result.redacted


def test_keep_list_covers_each_group():
    keep = load_vocabulary().keep
    for word in [
        "nigerian",
        "muslim",
        "punjabi",
        "deaf",
        "lesbian",
        "pregnant",
        "nights",
        "march",
        "hijab",
        "windrush",
    ]:
        assert word in keep


@pytest.mark.parametrize(
    "text",
    [
        "The notes are on SystmOne and the Datix was closed without a reply.",
        "The FY1 bleeped the registrar about the NEWS2 score.",
        "She said Inshallah and he said Namaste before the handover on Teams.",
        "The patient had Alzheimer's and was on warfarin and metformin.",
    ],
)
def test_health_care_jargon_is_not_mistaken_for_names(redactor, text):
    assert redactor.redact(text).redacted == text


@pytest.mark.parametrize(
    "text",
    [
        "I only work Fridays and Saturdays and I am never told about meetings.",
        "The Latvians and the Romanians on the bank list get the worst wards.",
        "A relative said the Filipinos are all smiley and the Nigerians are all loud.",
        "The phlebotomist laughed and the OTs joined in.",
        "The sonographer and two physios ignored me at handover.",
        "The HCAs have a group chat for everyone except the Muslims.",
        "The policy lists, inter alia, bullying about accents.",
        # Everyday words that are also names, used as words.
        "I had hope that it would stop after the meeting.",
        "She handled it with grace when the patient shouted.",
        "Will you stop talking like that, I asked.",
        "The nurse in charge told me to mark the chart again.",
        "The laughter rose every time I spoke, and it rose again at lunch.",
    ],
)
def test_plurals_roles_and_everyday_words_stay(redactor, text):
    assert redactor.redact(text).redacted == text


def test_role_is_kept_and_the_person_beside_it_is_not(redactor):
    result = redactor.redact("Ruby in outpatients said the phlebotomist was lazy.")
    assert result.redacted == "[PERSON 1] in outpatients said the phlebotomist was lazy."


def test_plural_of_a_keep_word_that_is_a_name_stays_a_name():
    vocab = load_vocabulary()
    assert "latvians" in vocab.keep and "fridays" in vocab.keep
    assert "frances" not in vocab.keep  # "France" is kept; "Frances" is a first name
