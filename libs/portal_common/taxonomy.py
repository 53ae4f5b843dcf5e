"""One taxonomy for every service.

The intake form, the redactor's theme tagger, analytics and training all speak
in these codes. A code is stable once released (it is stored and aggregated);
labels may be reworded freely. Every choice list carries "prefer not to say".
"""

from __future__ import annotations

from dataclasses import dataclass

PREFER_NOT_TO_SAY = "prefer_not_to_say"


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    hint: str = ""


def _with_pnts(*choices: Choice) -> tuple[Choice, ...]:
    return (*choices, Choice(PREFER_NOT_TO_SAY, "Prefer not to say"))


EXPERIENCE = _with_pnts(
    Choice("experienced", "It happened to me"),
    Choice("witnessed", "I saw or heard it happen to someone else"),
    Choice("both", "Both: it happened to me and to others"),
)

# The nine protected characteristics of the Equality Act 2010, plus "not sure" and "other".
CHARACTERISTICS = _with_pnts(
    Choice("age", "Age"),
    Choice("disability", "Disability"),
    Choice("gender_reassignment", "Gender reassignment"),
    Choice("marriage_civil_partnership", "Marriage and civil partnership"),
    Choice("pregnancy_maternity", "Pregnancy and maternity"),
    Choice("race", "Race", "Includes colour, nationality, ethnic or national origin"),
    Choice("religion_belief", "Religion or belief"),
    Choice("sex", "Sex"),
    Choice("sexual_orientation", "Sexual orientation"),
    Choice("not_sure", "Not sure"),
    Choice("other", "Something else"),
)

SOURCES = _with_pnts(
    Choice("line_manager", "Line manager or supervisor"),
    Choice("senior_leader", "Senior leader"),
    Choice("colleague", "Colleague"),
    Choice("patient", "Patient or service user"),
    Choice("relative_visitor", "Relative or visitor"),
    Choice("contractor_agency", "Contractor or agency worker"),
    Choice("educator_mentor", "Educator, assessor or mentor"),
    Choice("other", "Someone else"),
)

SETTINGS = _with_pnts(
    Choice("acute", "Acute hospital"),
    Choice("mental_health", "Mental health services"),
    Choice("community", "Community services"),
    Choice("primary_care", "Primary care or GP practice"),
    Choice("social_care", "Social care"),
    Choice("ambulance", "Ambulance service"),
    Choice("voluntary", "Voluntary or community organisation"),
    Choice("education", "Education or placement"),
    Choice("other", "Somewhere else"),
)

STAFF_GROUPS = _with_pnts(
    Choice("nursing_midwifery", "Nursing and midwifery"),
    Choice("medical_dental", "Medical and dental"),
    Choice("allied_health", "Allied health professional"),
    Choice("healthcare_support", "Healthcare support worker"),
    Choice("admin_clerical", "Administrative and clerical"),
    Choice("estates_ancillary", "Estates and ancillary"),
    Choice("student_trainee", "Student or trainee"),
    Choice("volunteer", "Volunteer"),
    Choice("community_member", "Member of the public or community"),
    Choice("other", "Other staff group"),
)

INTERNATIONALLY_RECRUITED = _with_pnts(
    Choice("yes", "Yes"),
    Choice("no", "No"),
)

IMPACT = _with_pnts(
    Choice("1", "It did not affect me much"),
    Choice("2", "It affected me a little"),
    Choice("3", "It affected me moderately"),
    Choice("4", "It affected me a lot"),
    Choice("5", "It affected me severely"),
)

RAISED_FORMALLY = _with_pnts(
    Choice("yes", "Yes, I have raised it formally as well"),
    Choice("no", "No"),
    Choice("thinking", "I am thinking about it"),
)

# Themes the redactor tags reports with; analytics aggregates and training files cases by them.
THEMES = (
    Choice("accent_language", "Accent and language"),
    Choice("where_from", "\"Where are you really from?\""),
    Choice("competence_questioned", "Competence or seniority questioned"),
    Choice("exclusion_isolation", "Exclusion and isolation"),
    Choice("jokes_banter", "Jokes and \"banter\""),
    Choice("religious_dress_practice", "Religious dress and practice"),
    Choice("international_staff", "Treatment of internationally recruited staff"),
    Choice("care_refused", "Patient or visitor refusing care"),
    Choice("leadership_inaction", "Leadership not acting"),
    Choice("names", "Names mispronounced or replaced"),
    Choice("appearance_hair", "Comments on appearance or hair"),
    Choice("stereotyping", "Stereotyping and assumptions"),
    Choice("disability_access", "Disability and reasonable adjustments"),
    Choice("gender_identity", "Gender identity and pronouns"),
    Choice("pregnancy_caring", "Pregnancy, maternity and caring"),
)

@dataclass(frozen=True)
class Question:
    """One structured question of the report form, as every service sees it.

    ``choices`` is None for a month (YYYY-MM). The form, the API schema, the event schema
    and the analytics columns are built from or checked against this list, so adding a
    question is one edit here (plus a migration for the services that store it).
    """

    name: str
    summary: str  # how "check your answers" names it
    choices: tuple[Choice, ...] | None = None
    multiple: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question("experience", "Did it happen to you or did you see it", EXPERIENCE),
    Question("characteristics", "What it related to", CHARACTERISTICS, multiple=True),
    Question("sources", "Who it came from", SOURCES, multiple=True),
    Question("setting", "Where it happened", SETTINGS),
    Question("staff_group", "Your staff group", STAFF_GROUPS),
    Question("internationally_recruited", "Recruited from overseas", INTERNATIONALLY_RECRUITED),
    Question("occurred_month", "When it happened"),
    Question("impact", "How it affected you", IMPACT),
    Question("raised_formally", "Raised formally as well", RAISED_FORMALLY),
)

# The structured answers every service receives, in the order the form asks them.
DETAIL_FIELDS: tuple[str, ...] = tuple(q.name for q in QUESTIONS)

# Field name -> (choices, several allowed?), for the questions that offer choices.
FIELDS: dict[str, tuple[tuple[Choice, ...], bool]] = {
    q.name: (q.choices, q.multiple) for q in QUESTIONS if q.choices is not None
}

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

THEME_CODES = frozenset(t.code for t in THEMES)


def codes(choices: tuple[Choice, ...]) -> list[str]:
    return [c.code for c in choices]


def label_for(choices: tuple[Choice, ...], code: str) -> str:
    for choice in choices:
        if choice.code == code:
            return choice.label
    raise KeyError(code)
