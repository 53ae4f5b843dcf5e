"""Places that identify: postcodes, addresses, named wards and sites, the organisation's CSV."""

from __future__ import annotations

import pytest

from services.redactor.pipeline.rules_places import load_places_csv
from services.redactor.pipeline.types import RedactionError

CASES = [
    ("I live near LS6 2QR and walk in.", "2QR", "[POSTCODE]"),
    ("My postcode is sw1a1aa, central.", "sw1a1aa", "[POSTCODE]"),
    ("Patients from the BD7 area said it.", "BD7", "[POSTCODE]"),
    ("She lives at 14 Fernhill Road, Halifax.", "Fernhill", "[ADDRESS]"),
    ("Post it to Flat 3, 27 Cedar Close please.", "Cedar", "[ADDRESS]"),
    ("It happened on Rowan Ward during nights.", "Rowan", "[WORKPLACE]"),
    ("I work on Ward 23 most weeks.", "Ward 23", "[WORKPLACE]"),
    ("Back at St Aldhelm's Hospital the same thing.", "Aldhelm", "[WORKPLACE]"),
    ("Our team at Elmtree Medical Practice laughed.", "Elmtree", "[WORKPLACE]"),
    # Ward, bay, room and bed numbers, in lower case too.
    ("It happened on ward 31, bay 4 on nights.", "31", "[WORKPLACE]"),
    ("The man in bay 4 shouted at me.", "bay 4", "[WORKPLACE]"),
    ("He works on ward 7b with me.", "7b", "[WORKPLACE]"),
    ("I was sent to room 12 on my own.", "room 12", "[WORKPLACE]"),
    ("The patient in Bay 3, bed 14 refused me.", "14", "[WORKPLACE]"),
    ("The family in side room 2 asked for someone else.", "room 2", "[WORKPLACE]"),
    # Full postcodes whatever the spacing or case: no half is left visible.
    ("The letter went to hx1  2tg instead.", "2tg", "[POSTCODE]"),
    ("Postcode: ls6-2qr on the letter.", "ls6", "[POSTCODE]"),
    ("The postcode was LS62QR which is hers.", "LS62QR", "[POSTCODE]"),
    ("She lives at 27 Larch Avenue, WF3 4PN and everyone knows.", "WF3", "[POSTCODE]"),
]


@pytest.mark.parametrize(("text", "secret", "placeholder"), CASES)
def test_place_is_replaced(redactor, text, secret, placeholder):
    result = redactor.redact(text)
    assert secret not in result.redacted
    assert placeholder in result.redacted


@pytest.mark.parametrize(
    "text",
    [
        "I work in the Emergency Department.",
        "She was moved to the Intensive Care Unit.",
        "Our Stroke Unit has a new manager.",
    ],
)
def test_generic_departments_stay(redactor, text):
    assert redactor.redact(text).redacted == text


@pytest.mark.parametrize(
    "text",
    [
        "I was in bed 3 days with covid and then back on the ward.",
        "We went to theatre a lot that week.",
        "There was no room for me in the staff room.",
    ],
)
def test_ward_words_without_a_number_or_with_a_duration_stay(redactor, text):
    assert redactor.redact(text).redacted == text


def test_quirk_addresses_only_in_the_full_profile(redactor, general_redactor):
    # A made-up Finnish-style street: the ending is on the public-set quirk list.
    text = "She lives at Kuusirinteenkatu 9 near the station."
    assert redactor.redact(text).redacted == "She lives at [ADDRESS] near the station."
    assert "[ADDRESS]" not in general_redactor.redact(text).redacted
    # The general profile still has UK streets and postcodes.
    assert general_redactor.redact("She lives at 14 Fernhill Road, LS6 2QR.").redacted == (
        "She lives at [ADDRESS], [POSTCODE]."
    )


def test_org_csv_names_and_aliases(redactor, redactor_with_places):
    text = "It happened on Kestrel during my shift, then again at Riverside General."
    plain = redactor.redact(text).redacted
    with_csv = redactor_with_places.redact(text).redacted
    # "Riverside General" is made of ordinary words: only the organisation's list knows it.
    assert "Riverside General" in plain
    assert with_csv == "It happened on [WORKPLACE] during my shift, then again at [WORKPLACE]."


def test_places_csv_needs_name_column(tmp_path):
    bad = tmp_path / "places.csv"
    bad.write_text("site,kind\nSecret General,site\n", encoding="utf-8")
    with pytest.raises(RedactionError) as info:
        load_places_csv(bad)
    assert "Secret" not in str(info.value)


def test_missing_places_csv_is_a_clear_error(tmp_path):
    with pytest.raises(RedactionError, match="cannot read places CSV"):
        load_places_csv(tmp_path / "nope.csv")
