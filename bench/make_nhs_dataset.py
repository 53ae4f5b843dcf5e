"""Generate bench/data/nhs_reports.jsonl: NHS-style micro-aggression reports about
fictional people, with gold personal-data spans, keep-list spans and theme labels.

    .venv/bin/python bench/make_nhs_dataset.py  [--n 400] [--seed 4]

Same line format as shared/eval/pii/eval.jsonl ({id, source, text, spans}), plus `keep`
(spans of characteristic words that must survive) and `themes` (gold theme codes).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import nhs_templates as T

OUT = Path(__file__).resolve().parent / "data" / "nhs_reports.jsonl"
GOLD = {  # slot -> (label, orig_label)
    "EMAIL": ("EMAIL", "EMAIL"),
    "PHONE": ("PHONE", "PHONE"),
    "NHSNO": ("ID", "NHS_NUMBER"),
    "NINO": ("ID", "NI_NUMBER"),
    "EMPID": ("ID", "EMPLOYEE_NUMBER"),
    "GMC": ("ID", "GMC"),
    "NMC": ("ID", "NMC_PIN"),
    "POSTCODE": ("ADDRESS", "POSTCODE"),
    "OUTWARD": ("ADDRESS", "POSTCODE_OUTWARD"),
    "ADDRESS": ("ADDRESS", "STREET_ADDRESS"),
    "DOB": ("DATE", "DATE_OF_BIRTH"),
    "HANDLE": ("OTHER", "HANDLE"),
    "URL": ("URL", "URL"),
    "WARD": ("ORG", "WARD"),
    "HOSP": ("ORG", "HOSPITAL"),
    "PRACTICE": ("ORG", "PRACTICE"),
}
KEEP = {"NAT", "REL", "LANG", "LANG2", "ETH", "DIS", "AGE", "RELTIME", "COUNTRY"}


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            s = "".join(map(str, digits + [check]))
            return rng.choice([f"{s[:3]} {s[3:6]} {s[6:]}", s, f"{s[:3]}-{s[3:6]}-{s[6:]}"])


def phone(rng: random.Random) -> str:
    n3, n4 = rng.randrange(100, 999), rng.randrange(1000, 9999)
    return rng.choice(
        [
            f"07700 900{n3}",
            f"+44 7700 900{n3}",
            f"0113 496 0{n3}",
            f"020 7946 0{n3}",
            f"(0161) 496 0{n3}",
            f"07700900{n3}",
            f"+44 (0)113 496 0{n3}",
            f"0113 496 0{n3} ext {n4}",
            f"+234 803 {n3} {n4}",
            f"+63 917 {n3} {n4}",
            f"+91 98765 {n3}{n4 % 100:02d}",
            f"+1 (555) {n3}-{n4}",
            f"07700 900 {n3} x{n4 % 1000}",
            f"+48 512 {n3} {n3}",
        ]
    )


def ni_number(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
        first = "J"
    d = [f"{rng.randrange(100):02d}" for _ in range(3)]
    s = first + second + "".join(d) + rng.choice("ABCD")
    return rng.choice([s, f"{s[:2]} {d[0]} {d[1]} {d[2]} {s[-1]}", s.lower()])


def postcode(rng: random.Random) -> str:
    out = rng.choice(
        ["LS1", "LS6", "BD7", "WF1", "S11", "HX3", "M13", "B15", "NE4", "EC1A", "SW1A", "CF10", "EH3", "G12", "HD1"]
    )
    inward = f"{rng.randrange(10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    pc = rng.choice([f"{out} {inward}", f"{out}{inward}"])
    return pc.lower() if rng.random() < 0.2 else pc


def values(rng: random.Random) -> dict[str, str]:
    people = rng.sample(range(len(T.FIRST)), 3)
    v: dict[str, str] = {}
    for i, idx in enumerate(people, start=1):
        first, sur = T.FIRST[idx], rng.choice(T.SURNAMES)
        v.update(
            {f"P{i}": f"{first} {sur}", f"P{i}F": first, f"P{i}S": sur, f"p{i}f": first.lower(), f"p{i}s": sur.lower()}
        )
    f1, s1 = v["P1F"].lower(), v["P1S"].lower()
    v.update(
        {
            "TITLE": rng.choice(T.TITLES),
            "NICK": rng.choice(T.NICKNAMES),
            "EMAIL": rng.choice(
                [f"{f1}.{s1}@nhs.net", f"{f1}{rng.randrange(99)}@gmail.com", f"{f1[0]}.{s1}@northbridge-tr.nhs.uk"]
            ),
            "PHONE": phone(rng),
            "NHSNO": nhs_number(rng),
            "NINO": ni_number(rng),
            "EMPID": rng.choice(
                [
                    f"{rng.randrange(10**7, 10**8)}",
                    f"E{rng.randrange(10**6, 10**7)}",
                    f"{rng.randrange(10**7, 10**8)}-2",
                ]
            ),
            "GMC": str(rng.randrange(10**6, 10**7)),
            "NMC": f"{rng.randrange(10, 99)}{rng.choice('ABCDEFGHIJKL')}{rng.randrange(1000, 9999)}"
            f"{rng.choice('ABCDEFGHJKLMNOPRSTUVWXYZ')}",
            "POSTCODE": postcode(rng),
            "OUTWARD": rng.choice(T.OUTWARDS),
            "ADDRESS": rng.choice(
                [
                    f"{rng.randrange(1, 200)} {rng.choice(T.STREETS)}",
                    f"Flat {rng.randrange(1, 30)}, {rng.randrange(1, 99)} {rng.choice(T.STREETS)}",
                ]
            ),
            "DOB": rng.choice(
                [
                    f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 12):02d}/19{rng.randrange(55, 99)}",
                    f"{rng.randrange(1, 28)} March 19{rng.randrange(55, 99)}",
                ]
            ),
            "HANDLE": f"@{f1}_{rng.randrange(10, 99)}",
            "URL": rng.choice(
                [
                    f"https://www.facebook.com/{f1}.{s1}",
                    f"tiktok.com/@{f1}{rng.randrange(99)}",
                    f"www.{s1}-photos.co.uk/{f1}",
                ]
            ),
            "WARD": rng.choice(T.WARDS),
            "HOSP": rng.choice(T.HOSPITALS),
            "PRACTICE": rng.choice(T.PRACTICES),
            "NAT": rng.choice(T.NAT),
            "REL": rng.choice(T.REL),
            "LANG": rng.choice(T.LANG),
            "LANG2": rng.choice(T.LANG),
            "ETH": rng.choice(T.ETH),
            "DIS": rng.choice(T.DIS),
            "AGE": rng.choice(T.AGE),
            "RELTIME": rng.choice(T.RELTIME),
            "COUNTRY": rng.choice(T.COUNTRY),
        }
    )
    return v


def render(templates: list[str], v: dict[str, str]) -> tuple[str, list[dict], list[dict]]:
    text, spans, keep = "", [], []
    for n, template in enumerate(templates):
        if n:
            text += " "
        pos = 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos : m.start()]
            slot, value = m.group(1), v[m.group(1)]
            start = len(text)
            text += value
            if re.fullmatch(r"[Pp]\d[FfSs]?|NICK", slot):
                spans.append({"start": start, "end": len(text), "label": "PERSON", "orig_label": "PERSON"})
            elif slot in GOLD:
                label, orig = GOLD[slot]
                spans.append({"start": start, "end": len(text), "label": label, "orig_label": orig})
            elif slot in KEEP:
                keep.append({"start": start, "end": len(text), "kind": slot})
            pos = m.end()
        text += template[pos:]
    return text, spans, keep


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as fh:
        for i in range(args.n):
            picks = rng.sample(T.TEMPLATES, rng.choice([1, 1, 2, 2, 3]))
            text, spans, keep = render([t for t, _ in picks], values(rng))
            themes = sorted({code for _, codes in picks for code in codes})
            doc = {
                "id": f"nhs-dev-{i}",
                "source": "bench/make_nhs_dataset.py",
                "text": text,
                "spans": spans,
                "keep": keep,
                "themes": themes,
            }
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"wrote {args.n} reports to {OUT}")


if __name__ == "__main__":
    main()
