"""Golden tests: each kind of contact detail and identifier is replaced by its placeholder."""

from __future__ import annotations

import pytest

from services.redactor.pipeline.rules_identifiers import luhn_valid, nhs_number_valid

CASES = [
    # (text, secret that must disappear, placeholder expected in the output)
    ("Email me at priya.shah@nhs.net please.", "priya.shah@nhs.net", "[EMAIL]"),
    ("Her address is j.o'neill+rota@gmail.co.uk.", "gmail.co.uk", "[EMAIL]"),
    ("Call 07700 900123 after handover.", "900123", "[PHONE]"),
    ("Ring 0113 496 0000 ext 4521 for the ward.", "4521", "[PHONE]"),
    ("My number is +44 (0)20 7946 0958.", "7946", "[PHONE]"),
    ("She called from +234 803 555 0199 last night.", "0199", "[PHONE]"),
    ("He left +1 (555) 010-4477 on the note.", "4477", "[PHONE]"),
    ("Bleep 4432 if the patient deteriorates.", "4432", "[PHONE]"),
    ("See https://www.facebook.com/some.nurse.profile for the post.", "facebook", "[URL]"),
    ("He shared it on tiktok.com/@ward_gossip99 yesterday.", "ward_gossip99", "[URL]"),
    ("Message me on Teams @kwame_osei or Slack.", "kwame_osei", "[HANDLE]"),
    ("My NHS number is 943 476 5919.", "5919", "[ID]"),
    ("NHS no 9434765919 was on the form.", "9434765919", "[ID]"),
    ("NI number AB 12 34 56 C was printed.", "34 56", "[ID]"),
    ("My national insurance is jt123456a.", "jt123456a", "[ID]"),
    ("Employee number 20345678 was shared.", "20345678", "[ID]"),
    ("Assignment no. 20345678-2 is on the rota.", "20345678", "[ID]"),
    ("Payroll ID: E1234567 in the email.", "E1234567", "[ID]"),
    ("My date of birth is 14/02/1971.", "1971", "[DATE]"),
    ("I was born on 3 March 1968 in Accra.", "1968", "[DATE]"),
    ("Passport number 123456789 was copied.", "123456789", "[ID]"),
    ("Driving licence MORGA753116SM9IJ was left out.", "MORGA753116SM9IJ", "[ID]"),
    ("Her NMC PIN 12A3456E was read out.", "12A3456E", "[ID]"),
    ("His GMC number 7123456 was on the badge.", "7123456", "[ID]"),
    ("The card 4111 1111 1111 1111 was found.", "1111 1111", "[ID]"),
    # Reference numbers in full: nothing after a slash or hyphen is left behind.
    ("Her case reference 40218/03 was read out.", "/03", "[ID]"),
    ("File 2021/0457 went to the wrong team.", "0457", "[ID]"),
    ("HR gave me HR/2291/KT and never called back.", "KT", "[ID]"),
    ("It was logged as GRV-58213-B and closed.", "GRV", "[ID]"),
    ("Patient number RX4471902 is on the form.", "RX4471902", "[ID]"),
    ("My staff number is ab-33817 if you need it.", "ab-33817", "[ID]"),
    # Dates of birth in any written form, with or without a keyword before them.
    ("They posted AB 12 34 56 C, 14th February 1980 in the chat.", "1980", "[DATE]"),
    ("My date of birth, 3/4/85, was shouted across the bay.", "3/4/85", "[DATE]"),
    ("DOB 14.02.1980 was on the whiteboard.", "14.02.1980", "[DATE]"),
    ("She was born on the 2nd of May 1990 apparently.", "May 1990", "[DATE]"),
    ("Born in June 1979, she said I looked too young.", "June 1979", "[DATE]"),
    ("The card said 23-07-1991 under my name.", "1991", "[DATE]"),
    ("Her NI and 14/02/80 were on the list.", "14/02/80", "[DATE]"),
    ("It said March 3rd, 1968 on the cake.", "1968", "[DATE]"),
    # National Insurance numbers with the example prefixes, with or without the last letter.
    ("His NI is QQ 12 34 56 C and they read it out.", "QQ", "[ID]"),
    ("My NI number qq123456a was on the form.", "qq123456a", "[ID]"),
    ("NI: QQ 65 43 21 on the printer.", "QQ", "[ID]"),
    ("AB654321D was pinned to the board.", "AB654321D", "[ID]"),
]


@pytest.mark.parametrize(("text", "secret", "placeholder"), CASES)
def test_identifier_is_replaced(redactor, text, secret, placeholder):
    result = redactor.redact(text)
    assert secret not in result.redacted
    assert placeholder in result.redacted


def test_nhs_checksum():
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("1111111111")


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_phone_with_country_code_is_not_split_into_an_nhs_number(redactor):
    # "113 496 0271" alone passes the modulus 11 check; the prefix makes it a phone number.
    result = redactor.redact("Reach me on +44 (0)113 496 0271 today.")
    assert result.redacted == "Reach me on [PHONE] today."


def test_entities_are_offsets_into_the_original(redactor):
    text = "Email sam@example.org or call 07700 900456."
    result = redactor.redact(text)
    assert [(text[e.start : e.end], e.label) for e in result.entities] == [
        ("sam@example.org", "EMAIL"),
        ("07700 900456", "PHONE"),
    ]
    assert result.entity_counts == {"EMAIL": 1, "PHONE": 1}


@pytest.mark.parametrize(
    "text",
    [
        "I was upset.It happened again the next day.",
        "I went to the ward.No one came to help.",
        "Band 5 for 12 years, since 2014 2015 or so.",
        "We start at 07:30 and finish at 20:00.",
        # Not references: dates are dates, ranges are ranges, scores are scores.
        "Her BP was 120/80 and the shifts are 0800-2000, 24/7.",
        "In mid-2023 and again in the 2019-2020, 2021/22 and 2022-23 rotas it was the same.",
        "Between 1000-1500 staff were affected, COVID-19 or not.",
        "We did FY2023 training and the NEWS2 score was 5.",
        # Bare years and partial dates stay: only full dates and dates of birth go.
        "Born in 1979, she said I was too young; last March it started.",
        "On 14th February the rota changed again.",
    ],
)
def test_ordinary_text_is_not_an_identifier(redactor, text):
    assert redactor.redact(text).redacted == text


def test_structured_left_overs_never_leak(redactor):
    # The digits pass the Luhn check on their own; the leading letter must not stay behind.
    result = redactor.redact("My driver's licence number is U40187365124418.")
    assert result.redacted == "My driver's licence number is [ID]."


def test_ip_addresses(redactor):
    text = "Logged from 192.168.10.24 and fe80::1ff:fe23:4567:890a at 10:30:45."
    assert redactor.redact(text).redacted == "Logged from [ID] and [ID] at 10:30:45."


def test_reference_left_whole(redactor):
    # Once "12345" alone was taken and "/97" left visible.
    assert redactor.redact("Her case reference 12345/97 was read out.").redacted == (
        "Her case reference [ID] was read out."
    )


def test_date_of_birth_after_other_details(redactor):
    text = "Details were AB 12 34 56 C, 14th February 1980 and the rest."
    assert redactor.redact(text).redacted == "Details were [ID], [DATE] and the rest."
