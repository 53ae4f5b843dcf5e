"""Regular expressions and checksums for contact details and identifiers.

Pure functions over the raw text: each finder yields Candidate spans. Checksums (NHS
number modulus 11, Luhn for card numbers) separate real identifiers from ordinary numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .types import Candidate

# Top-level domains that are not also everyday words, and those that are ("it", "in", "me",
# "no", "us"...): "upset.It happened" typed without a space is not a web address, so a bare
# domain ending in a word-like TLD needs a path ("ward.it/rota") to count.
_TLDS = (
    "com|org|net|uk|io|info|biz|gov|edu|nhs|scot|wales|ie|eu|fr|es|nl|pt|br|se|dk|fi|pl|hu|cz|"
    "ch|au|nz|ca|pk|ng|za|ke|gh|ph|cn|jp|ru|app|dev|ly|tv|online"
)
_WORD_TLDS = "co|me|de|it|be|no|at|us|in"
EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?:\.(?:{_TLDS}|{_WORD_TLDS}))?\b(?:/[^\s<>\"']*)?"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9-]+\.)+(?:{_WORD_TLDS})(?:\.(?:{_TLDS}|{_WORD_TLDS}))?/[^\s<>\"']*",
    re.IGNORECASE,
)
# @mentions and Reddit-style u/name.
HANDLE_RE = re.compile(
    r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,30}[A-Za-z0-9_])?" r"|(?<![\w/])/?u/[A-Za-z0-9_-]{3,30}\b"
)
# Public-set quirk: the same, also with a space after "@" or around "/", as the public WNUT
# set's tokens are joined with spaces ("@ name", "u / name"). Off in the general profile.
SPACED_HANDLE_RE = re.compile(
    r"(?<![\w@.])@ ?[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,30}[A-Za-z0-9_])?" r"|(?<![\w/])/?u ?/ ?[A-Za-z0-9_-]{3,30}\b"
)
_EXT = r"(?:\s*(?:,\s*)?(?:ext\.?|extn\.?|extension|x|#)\s*\d{1,6})?"
PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+|00)?\(?\d{1,4}\)?(?:[\s.\-]?\(?\d{1,5}\)?){1,6}" + _EXT + r"(?![\w])",
    re.IGNORECASE,
)
INTERNAL_PHONE_RE = re.compile(
    r"\b(?:ext\.?|extn\.?|extension|bleep|bleeped|pager|x)\s*(?:no\.?|number)?\s*:?\s*(\d{3,6})\b",
    re.IGNORECASE,
)
# National Insurance numbers as people type them: any two letters, so the example prefixes
# that HMRC never issues (QQ, and the AB of every form's example) count too; the final
# letter may be left off when the prefix is in capitals.
NI_RE = re.compile(
    r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b|\b(?-i:[A-Z]{2})\s?\d{2}\s?\d{2}\s?\d{2}\b(?![\s-]?\d)",
    re.IGNORECASE,
)
NHS_RE = re.compile(r"(?<![\d-])\d{3}[\s-]?\d{3}[\s-]?\d{4}(?![\d-])")
CARD_RE = re.compile(r"(?<![\d-])\d(?:[\s-]?\d){11,18}(?![\d-])")
SSN_RE = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{1,4}(?![\w:])", re.IGNORECASE)
IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
NMC_RE = re.compile(r"\b\d{2}[A-Z]\d{4}[A-Z]\b")
GMC_RE = re.compile(r"\bGMC\s*(?:no\.?|number|#|ref(?:erence)?)?\s*:?\s*(\d{7})\b", re.IGNORECASE)
LICENCE_RE = re.compile(r"\b[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}\b")
CONTEXT_ID_RE = re.compile(
    r"\b(?:employee|staff|assignment|payroll|badge|pin|passport|licen[cs]e|registration|"
    r"reference|ref|member(?:ship)?|account|case|record|hospital|mrn|patient|id|nmc|gmc|hcpc|"
    r"file|claim|ticket|incident|complaint|grievance|datix|log|crime|docket)"
    r"\.?\s*(?:no\.?|num(?:ber)?|#|id|pin|code|ref(?:erence)?)?\s*(?:is|was|:|#|-)?\s*"
    r"((?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{3,23}[A-Z0-9])\b",
    re.IGNORECASE,
)
# Reference numbers written in full: groups of letters and digits joined by "/" or "-"
# ("12345/97", "HR/2291/KT", "GRV-58213-B"), and letters run into a long number
# ("RX4471902"). Dates, year and number ranges, and "mid-2023" are left to other rules.
REFERENCE_RE = re.compile(r"(?<![\w/\-.,@])[A-Za-z0-9]+(?:[/-][A-Za-z0-9]+)+(?![\w@]|[/-]\w)")
ALNUM_CODE_RE = re.compile(r"(?<![\w/\-.@])[A-Za-z]{1,4}\d{4,}[A-Za-z]{0,2}(?![\w@]|[/-]\w)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_ANY_DIGIT = re.compile(r"\d")
CONTEXT_PHONE_RE = re.compile(
    r"\b(?:phone|tel|telephone|mobile|mob|cell|fax|desk|office|landline|whatsapp|"
    r"call(?:ed)?\s+(?:me\s+)?(?:on|at)|ring\s+(?:me\s+)?(?:on|at)|text\s+(?:me\s+)?(?:on|at)|"
    r"answering\s+at|number\s+is|reach\s+(?:me|her|him)\s+(?:on|at))\s*(?:no\.?|number)?\s*[:\-]?\s*"
    r"(\+?\(?\d[\d\s().\-]{4,18}\d)",
    re.IGNORECASE,
)
# Digit groups side by side ("+2 07000 000000 34 000"): whatever the rules above make of
# them, the whole run is covered, so no group is left visible between two matches.
NUMBER_RUN_RE = re.compile(r"(?<![\w.,])\+?\(?\d{1,6}\)?(?:[ \-.]\(?\d{1,6}\)?)+(?![\w%])")
LONG_NUMBER_RE = re.compile(r"(?<![\w£$€.,])\d{5,}(?![\w%])")

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?"
_WRITTEN_DATE = (
    rf"(?:{_DAY}\s+(?:of\s+)?{_MONTHS}\.?,?\s+(?:19|20)\d\d"
    rf"|{_MONTHS}\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d)"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
    rf"|{_WRITTEN_DATE}"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTHS}\.?,?\s+'?\d{{2}}"
    rf"|{_MONTHS}\.?,?\s+(?:19|20)\d\d)"
)
# A date of birth in any written form after its keyword ("DOB, 3/4/85", "born in June 1979",
# "date of birth: the 2nd of May 1990"). A bare year ("born in 1979") stays, as ages do.
DOB_RE = re.compile(
    rf"\b(?:born(?:\s+on|\s+in)?|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday)\s*(?:is|was|:|-|,)?\s*({_DATE})",
    re.IGNORECASE,
)
# Full calendar dates with no keyword: numeric with a four-digit year, and written out
# ("14th February 1980"), as a date of birth often follows other details unannounced.
# A two-digit year only with slashes and a valid day and month ("14/02/80", not "1.2.3").
FULL_DATE_RE = re.compile(
    r"(?<![\w/.\-])(?:\d{1,2}([/.\-])\d{1,2}\1(?:19|20)\d\d|\d{4}-\d{2}-\d{2}"
    r"|(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])/\d\d|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/\d\d)"
    r"(?![\w/]|[.\-]\d)"
)
WRITTEN_DATE_RE = re.compile(rf"\b{_WRITTEN_DATE}\b", re.IGNORECASE)


def nhs_number_valid(digits: str) -> bool:
    """Modulus 11 check used by NHS numbers (10 digits, last one is the check digit)."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def luhn_valid(digits: str) -> bool:
    if not 12 <= len(digits) <= 19 or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _time_or_round_range(core: str) -> bool:
    m = re.fullmatch(r"(\d{3,4})\s*[-–]\s*(\d{3,4})", core)
    if not m:
        return False
    a, b = m.groups()
    if all(len(x) == 4 and int(x[:2]) <= 24 and int(x[2:]) <= 59 for x in (a, b)):
        return True
    return a.endswith("00") and b.endswith("00") and int(a) < int(b)


def _phone_ok(s: str) -> bool:
    core = re.split(r"(?i)\s*(?:,\s*)?(?:ext|extn|extension|x|#)", s)[0]
    n = len(_digits(core))
    if n < 7 or n > 15:
        return False
    if re.fullmatch(r"\d{7,}", core):  # a bare run of digits: only a UK-style number
        return core.startswith("0") and n in (10, 11)
    if re.fullmatch(r"(19|20)\d\d\s*[-–]\s*(19|20)?\d\d", core):
        return False
    if _time_or_round_range(core):  # "0800-2000" shift times, "1000-1500" staff
        return False
    if all(re.fullmatch(r"(?:19|20)\d\d", g) for g in re.findall(r"\d+", core)):  # "2014 2015"
        return False
    if re.fullmatch(r"\d{1,2}([/.\-])\d{1,2}\1\d{2,4}", core):  # a date, not a phone
        return False
    return n >= 9 or core.startswith(("+", "0", "(")) or len(re.findall(r"\d+", core)) >= 2


def _split_run(offset: int, run: str) -> Iterator[Candidate]:
    """Two numbers written side by side look like one over-long number: take them apart,
    group by group, into the longest pieces that are each a plausible phone number."""
    groups = list(re.finditer(r"\+?\(?\d+\)?", run))
    i = 0
    while i < len(groups):
        best = None
        for j in range(i, len(groups)):
            piece = run[groups[i].start() : groups[j].end()]
            if len(_digits(piece)) > 15:
                break
            if _phone_ok(piece):
                best = j
        if best is None:
            i += 1
            continue
        yield Candidate(offset + groups[i].start(), offset + groups[best].end(), "PHONE", "phone")
        i = best + 1


def _reference(code: str) -> bool:
    """A reference number, not a date, a year or number range, a score or "mid-2023"."""
    groups = re.split(r"[/-]", code)
    digit_groups = [g for g in groups if g.isdigit()]
    if any(g.isalpha() and len(g) > 4 and not g.isupper() for g in groups):
        return False  # a word joined on ("8211-Office"): not part of a reference
    if max((len(d) for d in re.findall(r"\d+", code)), default=0) < 4:
        return False  # "120/80", "24/7", "COVID-19"
    if re.fullmatch(r"\d{1,2}([/.\-])\d{1,2}\1\d{2,4}|\d{4}-\d{2}-\d{2}", code):
        return False  # a date (the date rules decide)
    if all(_YEAR.fullmatch(g) or g.isalpha() for g in groups):
        return False  # "mid-2023", "2019-2020"
    if re.fullmatch(r"(?:19|20)\d\d[/-]\d\d", code):
        return False  # "2019/20"
    if len(groups) == 2 and len(digit_groups) == 2 and "-" in code:
        a, b = digit_groups
        if len(a) == len(b) and int(a) < int(b):
            return False  # "0800-2000", "1000-1500": a range
    return True


def find_identifiers(text: str, quirks: bool = True) -> Iterator[Candidate]:
    """`quirks`: also apply the rules written for the public sets' quirks (see SPACED_HANDLE_RE)."""
    for m in EMAIL_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "EMAIL", "email")
    for m in URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]'\"":
            end -= 1
        if "@" not in text[m.start() : end].split("/", 1)[0]:  # not the domain of an email
            yield Candidate(m.start(), end, "URL", "url")
    for m in (SPACED_HANDLE_RE if quirks else HANDLE_RE).finditer(text):
        yield Candidate(m.start(), m.end(), "HANDLE", "handle")
    for m in IPV6_RE.finditer(text):
        groups = m.group().split(":")
        if len(groups) >= 4 and re.search(r"[a-f]", m.group(), re.IGNORECASE):  # not "10:30:45"
            yield Candidate(m.start(), m.end(), "ID", "ip")
    if not _ANY_DIGIT.search(text):
        return  # every rule below needs a digit: most reports have none, so skip them
    # A number with a country or area code in front is a phone number, whatever its checksum.
    dialled = [
        (m.start(), m.end())
        for m in PHONE_RE.finditer(text)
        if m.group().startswith(("+", "(", "00")) and _phone_ok(m.group())
    ]
    for m in NHS_RE.finditer(text):
        inside_phone = any(s < m.start() and m.end() <= e for s, e in dialled)
        if nhs_number_valid(_digits(m.group())) and not inside_phone:
            yield Candidate(m.start(), m.end(), "ID", "nhs_number")
    for m in NI_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ID", "ni_number")
    for m in CARD_RE.finditer(text):
        if luhn_valid(_digits(m.group())):
            yield Candidate(m.start(), m.end(), "ID", "card")
    for regex, source in (
        (SSN_RE, "ssn"),
        (IBAN_RE, "iban"),
        (IPV4_RE, "ip"),
        (NMC_RE, "nmc_pin"),
        (LICENCE_RE, "driving_licence"),
    ):
        for m in regex.finditer(text):
            yield Candidate(m.start(), m.end(), "ID", source)
    for regex in (GMC_RE, CONTEXT_ID_RE):
        for m in regex.finditer(text):
            yield Candidate(m.start(1), m.end(1), "ID", "context_id")
    for m in PHONE_RE.finditer(text):
        if _phone_ok(m.group()):
            yield Candidate(m.start(), m.end(), "PHONE", "phone")
        elif len(_digits(m.group())) > 15:
            yield from _split_run(m.start(), m.group())
    for m in CONTEXT_PHONE_RE.finditer(text):
        if len(_digits(m.group(1))) >= 6:
            yield Candidate(m.start(1), m.end(1), "PHONE", "phone_context")
    for m in INTERNAL_PHONE_RE.finditer(text):
        yield Candidate(m.start(1), m.end(1), "PHONE", "extension")
    for m in DOB_RE.finditer(text):
        yield Candidate(m.start(1), m.end(1), "DATE", "dob")
    for regex in (FULL_DATE_RE, WRITTEN_DATE_RE):
        for m in regex.finditer(text):
            yield Candidate(m.start(), m.end(), "DATE", "full_date")
    for m in REFERENCE_RE.finditer(text):
        if _reference(m.group()):
            yield Candidate(m.start(), m.end(), "ID", "reference")
    for m in ALNUM_CODE_RE.finditer(text):
        if not _YEAR.fullmatch(re.sub(r"\D", "", m.group())):  # "FY2023"
            yield Candidate(m.start(), m.end(), "ID", "reference")
    for m in NUMBER_RUN_RE.finditer(text):
        groups = re.findall(r"\d+", m.group())
        years = all(re.fullmatch(r"(?:19|20)\d\d", g) for g in groups)
        if (
            sum(map(len, groups)) >= 6
            and not years
            and not FULL_DATE_RE.fullmatch(m.group().strip())
            and not _time_or_round_range(m.group().strip())
            and not re.fullmatch(r"(?:19|20)\d\d[-/–](?:19|20)?\d\d", m.group().strip())  # "2022-23"
        ):
            yield Candidate(m.start(), m.end(), "ID", "long_number")
    for m in LONG_NUMBER_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ID", "long_number")
