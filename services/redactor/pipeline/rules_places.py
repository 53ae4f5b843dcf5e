"""Places that identify: postcodes, street addresses, named wards/units/practices/hospitals.

Postcodes and addresses are found with regular expressions on the raw text. Workplaces are
found two ways: a pattern (capitalised name + a unit word such as "Ward" or "Hospital",
unless every word is generic, as in "the Emergency Department"), and the deploying
organisation's own CSV of site, ward and team names, matched case-insensitively.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from .types import Candidate, RedactionError

# A full postcode as typed: any case, with one or two spaces, a hyphen or nothing between
# its halves, so neither half is ever left visible.
POSTCODE_RE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?(?: {1,2}|-)?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
CANADA_POSTCODE_RE = re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d\b")
_OUT = r"[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?"
OUTWARD_RE = re.compile(
    rf"\b(?:postcode|post code|area|in|near|around|from|of|covering)\s+({_OUT})\b"
    r"(?!\s*(?:vitamin|injection|form|band|bed|bay|motorway|road|level|grade))"
    rf"|\b({_OUT})\s+(?:area|postcode|district)\b"
)

_STREET_WORDS = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Cl|Way|Court|Ct|Place|Pl|Crescent|"
    r"Cres|Terrace|Gardens|Gdns|Grove|Gr|Hill|Park|Square|Sq|Boulevard|Blvd|Parade|Row|Walk|"
    r"Mews|Rise|View|Green|Vale|Wharf|Quay|Highway|Hwy|Route|Rte|Circle|Cir|Trail|Pike|"
    r"Parkway|Pkwy|Plaza|Alley|Bypass|Estate|Meadow|Meadows|Fields|Heights|Path|Brow|Chase|"
    r"Av|Str|Mall|Pass|Gateway|Extensions?|Junction|Crossing"
)
_STREET_WORDS_PLAIN = (
    r"Street|Road|Avenue|Lane|Drive|Close|Crescent|Terrace|Gardens|Grove|Square|Boulevard|"
    r"Parade|Mews|Strasse|Straße"
)
# Street words that are written as part of the name in many European languages.
_STREET_SUFFIXES = (
    r"straße|strasse|str\.|gasse|weg|laan|straat|plein|ulica|ul\.|rua|calle|avenida|via|viale|"
    r"rue|allee|platz|ring|damm|ulice"
)
# Public-set quirk: Finnish, Hungarian, Nordic and Baltic endings, common in the public
# synthetic set's addresses and rare in NHS reports. Off in the general profile.
_QUIRK_STREET_SUFFIXES = (
    r"katu|tie|kuja|polku|väylä|utca|út|tér|vej|gade|gatan|vägen|veien|gata|stræde|vænget|torget|tee|iela|gatvė"
)
_NAME = r"[A-ZÀ-Þ][\w'’.\-]*"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Flat|Unit|Floor|Fl|Room|Rm|Box|Bldg|Building)\.?\s*#?\s*\d+[A-Za-z]?\b"
_LEAD = r"(?:\b\d{1,5}[A-Za-z]?,?\s+){0,2}"  # house and building numbers before a street


def _address_core(suffixes: str, quirks: bool) -> str:
    """Street address patterns. With `quirks`, also the forms that fit the public synthetic
    set's quirks: US military addresses, "the corner of X and Y", Hungarian "u." streets."""
    quirky = (
        rf"|\b{_NAME}(?:\s+{_NAME}){{0,2}}\s+(?:u|ul|utca|str|út)\.?\s+\d{{1,5}}\b\.?"
        rf"|\b(?:the\s+)?corner\s+of\s+[^\n]{{3,60}}?\s+and\s+(?:\w+\s+){{0,2}}{_NAME}(?:\s+{_NAME}){{0,3}}"
        rf"|\b(?i:PSC|Unit|USNS|USS|USNV|USCGC)\s+\d{{3,5}},?\s+(?i:box)\s+\d{{3,5}}"
        rf"(?:\s+(?i:apo|fpo|dpo)\s+(?i:aa|ae|ap)\s+\d{{5}})?"
        rf"|\b(?i:USNS|USS|USNV|USCGC)\s+\w+\s+(?i:apo|fpo|dpo)\s+(?i:aa|ae|ap)\s+\d{{5}}"
    )
    return (
        rf"{_LEAD}(?:\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,5}})?,?\s+(?:{_NAME}\s+){{1,3}}(?:{_STREET_WORDS})\b\.?"
        rf"|\b{_NAME}(?:\s+{_NAME}){{0,2}}\s+(?:{_STREET_WORDS_PLAIN})\b\.?(?:\s+\d{{1,5}}[A-Za-z]?\b)?"
        rf"|\b(?:\d{{1,5}}[A-Za-z]?\s+)?(?:{_NAME}\s+){{0,2}}\w*(?:{suffixes})\b\.?\s*\d{{1,5}}[A-Za-z]?\b"
        rf"|\b(?i:{suffixes}|u\.|ul\.|str\.?|av\.?|St\.?|C/)\s*"
        rf"(?:(?:de|do|da|dos|das|del|dei|della|di|la|le|les|des|du|Al|El|van|von)\s+)?"
        rf"{_NAME}(?:\s+{_NAME}){{0,3}},?\s+\d{{1,5}}\b\.?" + (quirky if quirks else "") + rf"|\b{_UNIT})"
    )


# After a street, absorb unit numbers, towns, state codes, countries and zip codes.
_CONTINUATION = (
    rf"(?:[ \t]*(?:,|\n)[ \t]*(?:\n[ \t]*)?(?:,[ \t]*)?"
    rf"(?:{_UNIT}|[A-Z]{{1,2}}\d[A-Z\d]?[ \t]?\d[A-Z]{{2}}\b"
    rf"|{_NAME}(?:[ \t]+{_NAME}){{0,3}}(?:[ \t]+[A-Z\d][A-Z\d -]{{2,9}}\d)?|\d{{4,6}})"
    rf"|[ \t]+(?:[A-Z]{{2}}[ \t]+)?\d{{4,6}}(?:-\d{{4}})?\b|[ \t]+{_UNIT}"
    rf"|[ \t]+[A-ZÀ-Þ]{{3,}}\b(?:[ \t]+[A-ZÀ-Þ]{{3,}}\b)*)*"
)
# Every address pattern needs a digit, a plain street word or (a quirk) "corner of": a
# cheap test that lets most reports skip the costly patterns.
_ADDRESS_HINT = re.compile(rf"\b(?:{_STREET_WORDS_PLAIN})\b|(?i:\bcorner\s+of\b)")
_ANY_DIGIT = re.compile(r"\d")
ADDRESS_RE = re.compile(_address_core(f"{_STREET_SUFFIXES}|{_QUIRK_STREET_SUFFIXES}", True) + _CONTINUATION)
GENERAL_ADDRESS_RE = re.compile(_address_core(_STREET_SUFFIXES, False) + _CONTINUATION)
# "Brekka 46", "12 Kaldur 53": a name then a house number, with no street word (Baltic and
# Nordic style, a public-set quirk); kept only when a word of the name is in none of our
# vocabularies (so "Band 6" and "Year 2" are left alone). Off in the general profile.
NAME_NUMBER_RE = re.compile(
    rf"{_LEAD}\b({_NAME}(?:\s+{_NAME}){{0,2}})\s+\d{{1,5}}[A-Za-z]?\b(?![.,]?\d)" + _CONTINUATION
)
ZIP_RE = re.compile(
    r"\b(?:zip|zip\s*code|postal\s*code|post\s*code|postcode|plz)\s*(?:is|:)?\s*" r"(\d{3,6}(?:[ -]\d{2,4})?)\b",
    re.IGNORECASE,
)

_UNIT_WORDS = (
    r"Ward|Wards|Unit|Department|Dept|Hospital|Infirmary|Practice|Surgery|Clinic|Centre|Center|"
    r"Hospice|Team|Suite|Theatres?|Wing|Block|Building|House|Lodge|Pavilion|Medical Practice|"
    r"Health Centre|Medical Centre|Care Home|Nursing Home|Hub|Service|Services|Trust|"
    r"Foundation Trust|NHS Trust|Partnership|ICB|PCN|Campus"
)
WORKPLACE_RE = re.compile(
    rf"\b((?:St\.?\s+|Saint\s+)?(?:[A-Z][\w'’&\-]*\s+(?:(?:and|&|of|the)\s+)?){{1,5}}" rf"(?:{_UNIT_WORDS}))\b"
)
# Ward, bay, room, bed and theatre numbers, in any case ("ward 31, bay 4", "Ward 9B",
# "side room 2"); a letter on its own only in capitals ("Bay C"), and never a duration
# ("in bed 3 days").
NUMBERED_WARD_RE = re.compile(
    r"\b(?i:ward|bay|theatre|pod|room|bed|cubicle|cubical|bed\s*space)\s*(?:no\.?|number)?\s+"
    r"(?:\d{1,3}(?:[A-Za-z](?![\w\']))?|(?-i:[A-Z])\d{0,2})\b"
    r"(?!\s*(?:days?|hours?|hrs?|weeks?|wks?|nights?|months?|years?|yrs?|mins?|minutes?|times?|%|am|pm)\b)"
)


def _workplace_name(phrase: str, keep_words: frozenset[str], generic_words: frozenset[str]) -> tuple[int, int] | None:
    """Trim leading articles and keep-list words ("Nigerian", "The"); None if all generic."""
    words = list(re.finditer(r"[\w'’&\-]+", phrase))
    while (
        words
        and (words[0].group().lower() in keep_words or words[0].group().lower() in {"the", "a", "an"})
        and words[0].group().lower() not in {"st", "saint"}
    ):
        words.pop(0)
    named = [
        w
        for w in words
        if w.group().lower().rstrip("'’s") not in generic_words and w.group().lower() not in generic_words
    ]
    if not words or not named:
        return None
    return words[0].start(), len(phrase)


def find_places(
    text: str,
    generic_words: frozenset[str],
    keep_words: frozenset[str] = frozenset(),
    common_words: frozenset[str] = frozenset(),
    quirks: bool = True,
) -> Iterator[Candidate]:
    """`quirks`: also apply the address forms written for the public synthetic set's quirks."""
    digit = _ANY_DIGIT.search(text) is not None  # postcodes, zips and house numbers need one
    for regex in (POSTCODE_RE, CANADA_POSTCODE_RE) if digit else ():
        for m in regex.finditer(text):
            yield Candidate(m.start(), m.end(), "POSTCODE", "postcode")
    for m in OUTWARD_RE.finditer(text) if digit else ():
        group = 1 if m.group(1) else 2
        yield Candidate(m.start(group), m.end(group), "POSTCODE", "outward_code")
    hint = digit or _ADDRESS_HINT.search(text) is not None
    for m in (ADDRESS_RE if quirks else GENERAL_ADDRESS_RE).finditer(text) if hint else ():
        yield Candidate(m.start(), m.end(), "ADDRESS", "address")
    for m in NAME_NUMBER_RE.finditer(text) if quirks and hint else ():
        words = re.findall(r"[^\W\d_]+", m.group(1).lower())
        if any(len(w) > 2 and w not in common_words and w not in generic_words for w in words):
            yield Candidate(m.start(), m.end(), "ADDRESS", "address")
    for m in ZIP_RE.finditer(text) if digit else ():
        yield Candidate(m.start(1), m.end(1), "ADDRESS", "zip")
    for m in WORKPLACE_RE.finditer(text):
        span = _workplace_name(m.group(1), keep_words, generic_words)
        if span is not None:
            yield Candidate(m.start(1) + span[0], m.start(1) + span[1], "WORKPLACE", "workplace")
    for m in NUMBERED_WARD_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "WORKPLACE", "numbered_ward")


def load_places_csv(path: str | Path) -> list[str]:
    """Read an organisation's places CSV: a header row with a `name` column, optional `aliases`
    (separated by `|`) and `kind`. Returns every name and alias."""
    names: list[str] = []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "name" not in reader.fieldnames:
                raise RedactionError("places CSV needs a header row with a 'name' column")
            for row in reader:
                for value in [row.get("name") or ""] + (row.get("aliases") or "").split("|"):
                    value = value.strip()
                    if len(value) >= 2:
                        names.append(value)
    except OSError as exc:
        raise RedactionError(f"cannot read places CSV ({exc.__class__.__name__})") from None
    except (csv.Error, UnicodeDecodeError):
        raise RedactionError("places CSV is not valid UTF-8 CSV") from None
    return names
