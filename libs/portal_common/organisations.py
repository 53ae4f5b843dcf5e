"""The organisations staff belong to: a lead may be limited to one of them.

A small demonstration list ships in ``data/organisations.csv`` (columns ``code,name,type``);
a deployment points ``PORTAL_ORGANISATIONS_CSV`` at its own file with the same columns.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CSV = Path(__file__).resolve().parent / "data" / "organisations.csv"
ENV_VARIABLE = "PORTAL_ORGANISATIONS_CSV"


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    type: str


def load(path: str | Path | None = None) -> tuple[Organisation, ...]:
    """Organisations from ``path``, else ``PORTAL_ORGANISATIONS_CSV``, else the shipped demo list."""
    source = Path(path or os.environ.get(ENV_VARIABLE) or DEFAULT_CSV)
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found: list[Organisation] = []
    seen: set[str] = set()
    for row in rows:
        code = (row.get("code") or "").strip()
        if not code or code in seen:
            continue
        seen.add(code)
        found.append(Organisation(code, (row.get("name") or code).strip(), (row.get("type") or "").strip()))
    return tuple(found)


def by_code(path: str | Path | None = None) -> dict[str, Organisation]:
    return {org.code: org for org in load(path)}
