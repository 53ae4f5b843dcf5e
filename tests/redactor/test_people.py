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
    text = "brannoch quelwyn and tamsk r vodderill told me my accent was funny"
    result = redactor.redact(text)
    assert result.redacted == "[PERSON 1] and [PERSON 2] told me my accent was funny"


def test_lower_case_fallback_is_a_quirk_the_general_profile_leaves_out(general_redactor):
    # Made-up words in no list, in a text with no capital letter: only the fallback takes them.
    text = "brannoch quelwyn and tamsk r vodderill told me my accent was funny"
    assert "quelwyn" in general_redactor.redact(text).redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rafael de la Torre told me to speak English.", "[PERSON 1] told me to speak English."),
        ("Ana van der Berg moved me to nights.", "[PERSON 1] moved me to nights."),
        ("It was de la Torre again, Rafael de la Torre.", "It was [PERSON 1] again, [PERSON 1]."),
        ("Dr de la Cruz said my accent was funny.", "Dr [PERSON 1] said my accent was funny."),
        ("The consultant, Lucia van den Broek, ignored me.", "The consultant, [PERSON 1], ignored me."),
        ("Mohammed bin Salim refused to let me help.", "[PERSON 1] refused to let me help."),
        # "do" before a name is a verb, not a particle.
        ("I do Smith bloods on Tuesdays.", "I do [PERSON 1] bloods on Tuesdays."),
    ],
)
def test_name_particles_stay_inside_one_person(redactor, text, expected):
    assert redactor.redact(text).redacted == expected


def test_a_name_before_where_they_work_and_a_verb(redactor):
    result = redactor.redact("Ruby in outpatients said I should go back home.")
    assert result.redacted == "[PERSON 1] in outpatients said I should go back home."
    result = redactor.redact("Hope from pharmacy laughed at my accent.")
    assert result.redacted == "[PERSON 1] from pharmacy laughed at my accent."


def test_one_numbering_across_the_fields_of_a_report(redactor):
    account = "Sarah Okonkwo told Tomasz Nowak I was slow."
    help_text = "Someone other than Priya Raman should talk to Sarah."
    first, second = redactor.redact_report(account, help_text)
    assert first.redacted == "[PERSON 1] told [PERSON 2] I was slow."
    assert second.redacted == "Someone other than [PERSON 3] should talk to [PERSON 1]."
    # Each field on its own would restart at 1: the batch call keeps that behaviour.
    alone = redactor.redact_batch([account, help_text])
    assert alone[1].redacted == "Someone other than [PERSON 1] should talk to [PERSON 2]."


def test_redact_reports_batches_many_reports(redactor):
    reports = [
        ["Dr Patel said it.", "Ask Kwame Mensah to help."],
        ["Kwame Mensah laughed."],
        ["[PERSON 1] and Tomasz Nowak argued.", "Tomasz should apologise."],
    ]
    out = redactor.redact_reports(reports)
    assert [[r.redacted for r in fields] for fields in out] == [
        ["Dr [PERSON 1] said it.", "Ask [PERSON 2] to help."],
        ["[PERSON 1] laughed."],
        ["[PERSON 1] and [PERSON 2] argued.", "[PERSON 2] should apologise."],
    ]
    assert [r.redacted for r in redactor.redact_report("Email a@b.com")] == ["Email [EMAIL]"]
