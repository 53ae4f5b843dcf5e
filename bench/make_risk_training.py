"""Synthetic reports for training the residual-risk scorer (bench/train_risk.py).

    .venv/bin/python bench/make_risk_training.py [--n 6000] [--seed 11] [--out PATH]

The redactor's rules were written against the templates in nhs_templates.py, so reports
made from them with listed names rarely leak. To teach the risk scorer what a leak left
behind looks like, these reports fill the person slots from wider pools than the rules
know: invented names (syllables), names that are also everyday words (the shipped
ambiguous list, and listed names that are English words), names from the shipped lists, initials, nicknames,
in capitals, in lower case, at a sentence start; and they add sentences of our own with
ward and bay numbers, references, dates of birth, addresses with towns, and clean
sentences full of capitalised words that are not personal ("Monday", "NHS", "ICU",
"Datix"). Every value is made up here; nothing is taken from the evaluation sets.

Lines: {id, text, spans: [{start, end, label}]}, labels as in make_nhs_dataset.py (core
labels PERSON, EMAIL, PHONE, ADDRESS, ID, URL count as leaks; ORG and DATE do not).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import nhs_templates as T
from make_nhs_dataset import values as base_values

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "services" / "redactor" / "data"
OUT = Path("var") / "risk_training.jsonl"

ONSETS = "b bl br ch d dr f g gr h j k kw l m n ng ny p r s sh t th ts v w y z".split()
VOWELS = "a e i o u a e i o ai ei ia oa uo ee".split()
CODAS = ["", "", "", "n", "m", "r", "l", "s", "k", "nd", "ng", "th", "x"]
NICK_ENDS = ["zza", "o", "y", "ie", "sy", "za", "ers"]

# Our own sentences. {N1} {N2} {N3}: person mentions (surface form chosen per mention);
# {TOWN} {STREET} {REF} {WARDNO} {BAYNO} {DOB} {DAY} {ACR} {UNIT}: other slots.
EXTRA = [
    "{N1} told me my English was not good enough for this ward.",
    "{N1} and {N2} laughed when I asked for the prayer room.",
    "I told {N1} about it but {N1} said it was only a joke.",
    "Yesterday {N1} asked whether I had a real degree.",
    "{N1} keeps calling me by the wrong name on the {UNIT} board.",
    "It was {N1}, the nurse in charge, who said it in front of everyone.",
    "On {DAY} {N1} moved me off my patients again without saying why.",
    "{N1} from {UNIT} said people like me should go back home.",
    "Me and {N1} were on nights when {N2} made the comment.",
    "I asked {N1} to stop but {N2} just laughed.",
    "{N1}'s comment about my hair was the worst part.",
    "The reg, {N1}, said it was banter.",
    "Ask {N1} or {N2}, they both heard it.",
    "{N1} said I was aggressive when I raised it with {ACR}.",
    "The ward manager {N1} did nothing after I reported it on {ACR}.",
    "{N1} wrote on the group chat that I smell of curry.",
    "My preceptor {N1} keeps correcting my accent in front of patients.",
    "{N1} said I only got the job because of my background.",
    "I went to {N1} and then to {N2} and nobody did anything.",
    "When I came back from leave {N1} had given my shifts to {N2}.",
    "it was {N1} again, she said my hijab was a risk.",
    "{N1} ({N2} on the rota) said I was too slow.",
    "{N1} and i were in the sluice when {N2} said it.",
    "They call me {N1} because they cannot say my name.",
    "I live at {HOUSE} {STREET}, {TOWN} if you need to write to me.",
    "Send anything to Flat {BAYNO}, {HOUSE} {STREET}, {TOWN}.",
    "It happened on ward {WARDNO}, bay {BAYNO}, near the nurses' station.",
    "My reference from HR was {REF}.",
    "My date of birth is {DOB} if occupational health need it.",
    "I was born {DOB}.",
    "My staff number is {REF} and I work in {UNIT}.",
    "Case number {REF} was closed without anyone talking to me.",
    "It happened in {TOWN} at the community clinic.",
    # Clean sentences: capitalised words that are not personal.
    "On {DAY} the {ACR} was short of staff again.",
    "I raised it on {ACR} and with the Freedom to Speak Up Guardian.",
    "We had a Teams call with {ACR} and the matron on {DAY}.",
    "During the COVID pandemic the {UNIT} was on its knees.",
    "I am a Band 5 nurse in {UNIT} and have been in the NHS for six years.",
    "Over Christmas and New Year nobody asked me how I was.",
    "The {ACR} team said they would look into it by {DAY}.",
    "In the MDT meeting on {DAY} my plan was ignored.",
    "I did my OSCE and my IELTS and still they question me.",
    "I told the Ward Sister and the Practice Development Nurse.",
    "In A&E on a {DAY} night I was called a name by a patient.",
    "The HCA and the OT both heard it during the ward round.",
]
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mondays weekend".split()
ACRS = "HR ICU ED GP NHS Datix ESR OH MDT CNS PALS AMU SDEC CCU HDU NICU".split()
UNITS = ["ICU", "ED", "theatres", "outpatients", "paediatrics", "maternity", "AMU", "the stroke unit"]
STREET_WORDS = "Road Street Lane Avenue Close Grove Way Drive Terrace Crescent Gardens Court Place".split()
TOWN_ENDS = "ton ford field ley bury ham wick by thorpe bridge mouth stead worth".split()


def invented(rng: random.Random) -> str:
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.choice([1, 2, 2, 3])))
    return word[:12].capitalize()


def read(name: str) -> list[str]:
    words: list[str] = []
    for line in open(DATA / name, encoding="utf-8"):
        if not line.lstrip().startswith("#"):
            words.extend(w.lower() for w in line.split() if w.isalpha())
    return words


class Pools:
    def __init__(self, part: int) -> None:
        """`part` 0 or 1: training and calibration draw names from disjoint halves of each
        list, so the threshold is set on names the scorer never saw."""
        english = [w for w in read("english_words.txt") if 3 <= len(w) <= 9]
        firsts = sorted(set(read("first_names.txt") + read("census_first_names.txt")))
        surnames = sorted(set(read("surnames.txt") + read("census_surnames.txt")))
        # Names that are also everyday words: the hand-written list, and listed names that
        # are English words ("Hope", "Young", "Rose")
        words = sorted(set(read("ambiguous_names.txt")) | (set(firsts) | set(surnames)) & set(english))

        def half(xs: list[str]) -> list[str]:
            return [x for i, x in enumerate(xs) if i % 2 == part]

        self.english, self.firsts, self.surnames, self.words = half(english), half(firsts), half(surnames), half(words)
        self.towns = [
            w.capitalize() + rng_end
            for w, rng_end in zip(half(english)[:400], TOWN_ENDS * 40, strict=False)
            if len(w) <= 6
        ]


def person(rng: random.Random, pools: Pools) -> tuple[str, str]:
    """A full name and a short form, drawn from a mix of kinds."""
    kind = rng.random()
    if kind < 0.30:
        first = rng.choice(pools.firsts).capitalize()
    elif kind < 0.55:
        first = invented(rng)
    else:
        first = rng.choice(pools.words).capitalize()
    sur_kind = rng.random()
    if sur_kind < 0.5:
        sur = rng.choice(pools.surnames).capitalize()
    elif sur_kind < 0.8:
        sur = invented(rng)
    else:
        sur = rng.choice(pools.words).capitalize()
    return first, sur


def mention(rng: random.Random, first: str, sur: str, lower_doc: bool) -> tuple[str, str]:
    """A title (kept outside the span, as the redactor keeps it) and the name as written."""
    r = rng.random()
    title = ""
    if r < 0.45:
        out = first
    elif r < 0.65:
        out = f"{first} {sur}"
    elif r < 0.72:
        out = f"{first[0]}{sur[0]}"  # initials
    elif r < 0.76:
        out = f"{first[0]}.{sur[0]}."
    elif r < 0.82:
        out = first[: rng.choice([3, 4])].lower() + rng.choice(NICK_ENDS)  # nickname
    elif r < 0.90:
        out = sur
    else:
        out = sur
        title = rng.choice(["Dr", "Mr", "Mrs", "Ms", "Sister", "Nurse"])
    s = rng.random()
    if lower_doc or s < 0.15:
        out, title = out.lower(), title.lower()
    elif s < 0.20:
        out, title = out.upper(), title.upper()
    return title, out


def extra_values(rng: random.Random, pools: Pools) -> dict[str, str]:
    return {
        "TOWN": rng.choice(pools.towns),
        "STREET": f"{invented(rng) if rng.random() < 0.5 else rng.choice(pools.english).capitalize()} "
        f"{rng.choice(STREET_WORDS)}",
        "HOUSE": str(rng.randrange(1, 240)),
        "REF": rng.choice(
            [
                f"{rng.randrange(10000, 99999)}/{rng.randrange(10, 99)}",
                f"HR/{rng.randrange(1000, 9999)}/{rng.choice('ABCDEFGHKLMPRST')}{rng.choice('ABKLMT')}",
                f"{rng.choice(['E', 'RX', 'GRV-', 'C'])}{rng.randrange(10**4, 10**7)}",
                f"{rng.randrange(10**5, 10**8)}",
            ]
        ),
        "WARDNO": str(rng.randrange(1, 40)) + rng.choice(["", "", "b", "A"]),
        "BAYNO": str(rng.randrange(1, 12)),
        "DOB": rng.choice(
            [
                f"{rng.randrange(1, 28)}/{rng.randrange(1, 12)}/{rng.randrange(60, 99)}",
                f"{rng.randrange(1, 28)}th of {rng.choice(['May', 'June', 'October'])} 19{rng.randrange(55, 99)}",
                f"{rng.randrange(1, 28)}.{rng.randrange(1, 12):02d}.19{rng.randrange(55, 99)}",
            ]
        ),
        "DAY": rng.choice(DAYS),
        "ACR": rng.choice(ACRS),
        "UNIT": rng.choice(UNITS),
    }


SLOT_LABEL = {"TOWN": "LOCATION", "STREET": "ADDRESS", "HOUSE": "ADDRESS", "REF": "ID", "DOB": "DATE"}
SLOT_LABEL |= {"WARDNO": "ORG", "BAYNO": "ORG"}
BASE_LABEL = {
    "EMAIL": "EMAIL",
    "PHONE": "PHONE",
    "NHSNO": "ID",
    "NINO": "ID",
    "EMPID": "ID",
    "GMC": "ID",
    "NMC": "ID",
    "POSTCODE": "ADDRESS",
    "OUTWARD": "ADDRESS",
    "ADDRESS": "ADDRESS",
    "URL": "URL",
    "DOB": "DATE",
    "WARD": "ORG",
    "HOSP": "ORG",
    "PRACTICE": "ORG",
}


def report(rng: random.Random, pools: Pools) -> tuple[str, list[dict]]:
    lower_doc = rng.random() < 0.15
    people = [person(rng, pools) for _ in range(3)]
    v = base_values(rng) | extra_values(rng, pools)
    for i, (first, sur) in enumerate(people, start=1):
        v.update({f"P{i}": f"{first} {sur}", f"P{i}F": first, f"P{i}S": sur})
        v.update({f"p{i}f": first.lower(), f"p{i}s": sur.lower()})
    n_base = rng.choice([0, 1, 1, 2])
    pieces = [t for t, _ in rng.sample(T.TEMPLATES, n_base)] + rng.sample(EXTRA, rng.choice([1, 2, 3, 4]))
    rng.shuffle(pieces)
    text, spans = "", []
    for piece in pieces:
        if text:
            text += " "
        pos = 0
        for m in re.finditer(r"\{(\w+)\}", piece):
            text += piece[pos : m.start()]
            slot = m.group(1)
            if slot in ("N1", "N2", "N3"):
                first, sur = people[int(slot[1]) - 1]
                title, value = mention(rng, first, sur, lower_doc)
                text += f"{title} " if title else ""
                label = "PERSON"
            else:
                value = v[slot]
                label = (
                    "PERSON"
                    if re.fullmatch(r"[Pp]\d[FfSs]?|NICK", slot)
                    else BASE_LABEL.get(slot) or SLOT_LABEL.get(slot, "")
                )
            start = len(text)
            text += value
            if label:
                spans.append({"start": start, "end": len(text), "label": label})
            pos = m.end()
        text += piece[pos:]
    if lower_doc and len(text.lower()) == len(text):
        text = text.lower()
    return text, spans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--part", type=int, default=0, choices=[0, 1], help="which half of each name list")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pools = Pools(args.part)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for i in range(args.n):
            text, spans = report(rng, pools)
            fh.write(json.dumps({"id": f"risk-{args.part}-{i}", "text": text, "spans": spans}) + "\n")
    print(f"wrote {args.n} reports to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
