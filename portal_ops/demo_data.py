"""Load realistic synthetic reports through the real pipeline (``make demo-data``).

Every person, address and number here is invented. Reports go in the way the intake API
puts them in (ciphertext plus an outbox event in one transaction), so the running relay,
redactor and consumers do the rest: a newcomer sees the living system, not fixtures.
"""

from __future__ import annotations

import argparse
import random
import sys

FIRST = ["Amara", "Tomasz", "Grace", "Oluwaseun", "Siobhan", "Rajesh", "Mei", "Declan", "Fatima",
         "Priya", "Kwame", "Bethany", "Ngozi", "Marek", "Hannah", "Joseph", "Aisha", "Callum"]
LAST = ["Okafor", "Kowalski", "Fairweather", "Adeyemi", "Byrne", "Sharma", "Chen", "Gallagher",
        "Rahman", "Menon", "Asante", "Holloway", "Eze", "Nowak", "Pritchard", "Mensah"]
TITLES = ["Dr", "Sister", "Mr", "Mrs", "Matron", "Ms"]
PLACES = ["Ward 12", "the discharge lounge", "the staff room", "the nurses' station", "handover",
          "the car park", "clinic", "the team meeting", "my placement", "the front desk"]

TEMPLATES = [
    ("During {place} {person} said my accent was too strong for patients to follow and asked me to let "
     "someone English speak instead.", ["race"], ["colleague"]),
    ("A patient asked where I was really from, and when I said Norwich they laughed and asked again.",
     ["race"], ["patient"]),
    ("{person} keeps calling me by a different name because mine is 'too hard'. Everyone has started "
     "doing the same.", ["race"], ["line_manager"]),
    ("At {place} a relative refused to let me care for their father and asked for a white nurse. "
     "The nurse in charge just swapped me without saying anything.", ["race"], ["relative_visitor"]),
    ("I was told my hijab looked unprofessional and asked whether I could take it off for the "
     "photograph on my badge.", ["religion_belief", "sex"], ["senior_leader"]),
    ("Since I came back from maternity leave {person} has stopped inviting me to meetings and "
     "said I probably would not want the extra responsibility now.", ["pregnancy_maternity", "sex"],
     ["line_manager"]),
    ("When I asked for my reasonable adjustments to be put in place again {person} rolled their eyes "
     "and said some of us have real work to do. You can reach me on {email}.", ["disability"],
     ["line_manager"]),
    ("Colleagues in {place} make jokes about my age and ask when I am retiring. I am 58 and have no "
     "plans to leave.", ["age"], ["colleague"]),
    ("A consultant assumed I was the healthcare assistant and asked me to fetch a nurse, even though "
     "I was the nurse in charge that shift.", ["race", "sex"], ["senior_leader"]),
    ("{person} misgendered me repeatedly at handover and said it was just banter when I raised it.",
     ["gender_reassignment"], ["colleague"]),
    ("Internationally recruited nurses on our unit are always given the night shifts and the heaviest "
     "patients. When we asked why, {person} said we should be grateful to be here.", ["race"],
     ["line_manager"]),
    ("My mentor said people like me don't usually make it through the course and suggested I think "
     "about a different career. Call me on {phone} if you need more.", ["race"], ["educator_mentor"]),
    ("There were comments in the team chat about my husband and whether two men can really be married. "
     "Nobody from leadership said anything.", ["sexual_orientation", "marriage_civil_partnership"],
     ["colleague"]),
    ("The agency worker refused to work with me because of my religion and the coordinator let it go.",
     ["religion_belief"], ["contractor_agency"]),
]
SETTINGS = ["acute", "mental_health", "community", "primary_care", "social_care", "ambulance",
            "voluntary", "education"]
STAFF = ["nursing_midwifery", "medical_dental", "allied_health", "healthcare_support", "admin_clerical",
         "estates_ancillary", "student_trainee", "volunteer"]


def synthetic_report(rng: random.Random, organisation_codes: tuple[str, ...] | None = None) -> dict:
    """One invented report; ``organisation_codes``: the configured list (default: the demo list)."""
    if organisation_codes is None:
        from portal_common import organisations

        organisation_codes = tuple(org.code for org in organisations.load())
    template, characteristics, sources = rng.choice(TEMPLATES)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    person = rng.choice([f"{first} {last}", f"{rng.choice(TITLES)} {last}", first])
    account = template.format(
        person=person,
        place=rng.choice(PLACES),
        email=f"{first.lower()}.{last.lower()}@example.nhs.uk",
        phone=f"07700 900{rng.randint(100, 999)}",
    )
    return {
        "account": account,
        "what_would_help": rng.choice([None, "Training for managers on calling this out.",
                                       "Someone to talk to who understands."]),
        "experience": rng.choice(["experienced", "witnessed", "both"]),
        "characteristics": characteristics,
        "sources": sources,
        "setting": rng.choice(SETTINGS),
        "staff_group": rng.choice(STAFF),
        "internationally_recruited": rng.choice(["yes", "no", "prefer_not_to_say"]),
        "occurred_month": f"2026-{rng.randint(1, 11):02d}",
        "impact": str(rng.randint(1, 5)),
        "raised_formally": rng.choice(["yes", "no", "thinking"]),
        "organisation": rng.choice([*organisation_codes, "prefer_not_to_say", None]),
        "training_consent": rng.random() < 0.4,  # some say yes, most do not
    }


def main(argv: list[str] | None = None) -> int:
    from portal_common.crypto import TextCipher
    from portal_common.db import make_engine, make_session_factory, unit_of_work
    from portal_common.settings import ConfigError
    from services.intake.operations import submit_report
    from services.intake.schemas import ReportInputSchema
    from services.intake.settings import IntakeWebSettings

    from .runner import local_env

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    env = local_env()
    try:
        settings = IntakeWebSettings.from_env(env)
    except ConfigError as exc:
        print(f"demo-data: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    cipher = TextCipher(settings.fernet_key_list)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible synthetic data, not secrets
    from portal_common import organisations

    codes = tuple(org.code for org in organisations.load(settings.organisations_csv or organisations.DEFAULT_CSV))
    schema = ReportInputSchema(organisation_codes=codes)
    for _ in range(args.count):
        data = schema.load(synthetic_report(rng, codes))
        with unit_of_work(sessions) as session:
            submit_report(session, cipher, data)
    engine.dispose()
    print(f"queued {args.count} synthetic reports; the running relay and workers will process them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
