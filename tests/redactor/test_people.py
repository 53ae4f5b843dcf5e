"""Golden tests for people: full names, titles, lone names, lower case, possessives, quotes."""

from __future__ import annotations

import pytest

CASES = [
    ("Sarah Okonkwo told me to speak English.", ["Sarah", "Okonkwo"]),
    ("Dr Patel said my accent was hard to follow.", ["Patel"]),
    ("Sister Mbatha moved me to the other bay.", ["Mbatha"]),
    ("Matron Hughes ignored it.", ["Hughes"]),
    ("Mrs. O'Connor refused to let me help.", ["O'Connor"]),
    ("then priya laughed at my hijab", ["priya"]),
    ("My colleague oyinkansola keeps mimicking me.", ["oyinkansola"]),
    ("Okafor said it was only banter.", ["Okafor"]),
    ("I told Kwame's manager about it.", ["Kwame"]),
    ("They called me 'Precious' instead of my name.", ["Precious"]),
    ("Grace, Ciaran and Dalvinder all laughed.", ["Grace", "Ciaran", "Dalvinder"]),
    ("The agency worker Ikechukwu Oyelowo kept misgendering me.", ["Ikechukwu", "Oyelowo"]),
    # Names that are also everyday words, given away by what the person did.
    ("When I asked for my adjustments again Grace rolled her eyes.", ["Grace"]),
    ("Hope glared at me and Will muttered something about my hijab.", ["Hope", "Will"]),
]


def test_everyday_words_that_are_names_stay_when_nothing_marks_a_person(redactor):
    text = "I hope the team will walk me through the grace period. May is a busy month."
    assert redactor.redact(text).redacted == text


@pytest.mark.parametrize(("text", "names"), CASES)
def test_names_are_removed(redactor, text, names):
    result = redactor.redact(text)
    for name in names:
        assert name not in result.redacted
    assert "[PERSON 1]" in result.redacted


def test_title_stays_and_possessive_survives(redactor):
    assert redactor.redact("Dr Patel's comment hurt.").redacted == "Dr [PERSON 1]'s comment hurt."


def test_numbering_is_consistent_within_a_report(redactor):
    text = "Sarah Okonkwo told Tomasz Nowak I was slow. Later Sarah said it again and Nowak laughed."
    assert redactor.redact(text).redacted == (
        "[PERSON 1] told [PERSON 2] I was slow. Later [PERSON 1] said it again and [PERSON 2] laughed."
    )


def test_everyday_words_that_are_names_need_context(redactor):
    text = "I will mark the notes and hope for the best."
    assert redactor.redact(text).redacted == text


def test_all_lower_case_report_falls_back_on_vocabulary(redactor):
    text = "aksel kristensen and leidy t muris told me my accent was funny"
    result = redactor.redact(text)
    assert result.redacted == "[PERSON 1] and [PERSON 2] told me my accent was funny"
