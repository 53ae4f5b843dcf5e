"""Property tests: an identifier inserted anywhere in any report is always removed, and
redacting the output again changes nothing."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPORTS = [
    "As a Black Muslim woman I was asked where I'm really from.",
    "Dr Patel said my accent was hard to follow and everyone laughed.",
    "I'm 62 and on nights they keep asking when I will retire.",
    "My colleague priya keeps mimicking me at handover on Rowan Ward.",
    "The relative refused to let me care for her mum and wanted an English nurse.",
    "Nothing was done when I reported it to the ward manager last March.",
    "",
]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ.,'", max_size=60)
BASE = st.one_of(st.sampled_from(REPORTS), WORDS, st.tuples(st.sampled_from(REPORTS), WORDS).map(" ".join))
# Random examples on a developer's machine (to keep exploring); a fixed sequence under CI,
# so a run there is reproducible.
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


def _nhs(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else nine + str(check)


EMAILS = st.builds(
    lambda local, host, tld: f"{local}@{host}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._]{0,12}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "net", "org", "nhs.net", "co.uk", "nhs.uk", "ac.uk"]),
)
PHONES = st.one_of(
    st.builds(lambda a, b: f"07{a} {b}", _digits(3), _digits(6)),
    st.builds(lambda a, b: f"+44 7{a} {b}", _digits(3), _digits(6)),
    st.builds(lambda a, b, c: f"01{a} {b} {c}", _digits(2), _digits(3), _digits(4)),
    st.builds(lambda a, b, c: f"020 {a} {b} ext {c}", _digits(4), _digits(4), _digits(4)),
    st.builds(lambda a, b, c: f"+234 {a} {b} {c}", _digits(3), _digits(3), _digits(4)),
    st.builds(lambda a, b: f"(01{a}) {b}", _digits(3), _digits(6)),
)
NHS_NUMBERS = (
    _digits(9)
    .map(_nhs)
    .filter(lambda s: s is not None and len(set(s)) > 1)
    .flatmap(lambda s: st.sampled_from([s, f"{s[:3]} {s[3:6]} {s[6:]}", f"{s[:3]}-{s[3:6]}-{s[6:]}"]))
)
_AREA = st.sampled_from(["LS", "M", "B", "SW", "EH", "CF", "NE", "BD", "G", "WF", "HX", "EC"])
POSTCODES = st.builds(
    lambda area, d, inward_d, a, b, space, lower: (
        (f"{area}{d}{' ' if space else ''}{inward_d}{a}{b}").lower()
        if lower
        else f"{area}{d}{' ' if space else ''}{inward_d}{a}{b}"
    ),
    _AREA,
    st.integers(1, 29),
    st.integers(0, 9),
    st.sampled_from("ABDEFGHJLNPQRSTUWXYZ"),
    st.sampled_from("ABDEFGHJLNPQRSTUWXYZ"),
    st.booleans(),
    st.booleans(),
)
IDENTIFIERS = st.one_of(EMAILS, PHONES, NHS_NUMBERS, POSTCODES)


def _insert(base: str, ident: str, where: int) -> tuple[str, int]:
    pos = min(where, len(base))
    return base[:pos] + " " + ident + " " + base[pos:], pos + 1


def _assert_removed(result, text: str, start: int, ident: str) -> None:
    for i in range(start, start + len(ident)):
        if text[i].isalnum():
            assert any(e.start <= i < e.end for e in result.entities), (ident, i)
    assert ident not in result.redacted


@SETTINGS
@given(base=BASE, ident=IDENTIFIERS, where=st.integers(0, 200))
def test_identifier_anywhere_is_removed(redactor, base, ident, where):
    text, start = _insert(base, ident, where)
    _assert_removed(redactor.redact(text), text, start, ident)


@SETTINGS
@given(base=BASE, idents=st.lists(IDENTIFIERS, min_size=1, max_size=3), where=st.integers(0, 200))
def test_redacting_twice_changes_nothing_more(redactor, base, idents, where):
    text = base
    for ident in idents:
        text, _ = _insert(text, ident, where)
    once = redactor.redact(text).redacted
    twice = redactor.redact(once)
    assert twice.redacted == once


@SETTINGS
@given(base=BASE)
def test_batch_and_single_agree(redactor, base):
    texts = [base, base + " Email x@y.org", "Call 07700 900123"]
    assert [r.redacted for r in redactor.redact_batch(texts)] == [redactor.redact(t).redacted for t in texts]
