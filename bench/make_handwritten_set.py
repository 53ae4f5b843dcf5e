"""Turn a hand-written set (bench/data/nhs_handwritten*.txt: reports with [[value|LABEL]] and
{{word}} marks) into the .jsonl beside it, in the eval.jsonl line format, plus `keep` and
`themes`.

    .venv/bin/python bench/make_handwritten_set.py                  # v1
    .venv/bin/python bench/make_handwritten_set.py nhs_handwritten_v2  # v2 (frozen 2026-11-22)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
MARK = re.compile(r"\[\[(.+?)\|([A-Z]+)\]\]|\{\{(.+?)\}\}")


def convert(line: str, n: int, name: str = "nhs_handwritten") -> dict:
    codes, _, body = line.partition("|")
    text, spans, keep, pos = "", [], [], 0
    body = body.strip()
    for m in MARK.finditer(body):
        text += body[pos : m.start()]
        start = len(text)
        if m.group(1):
            text += m.group(1)
            spans.append({"start": start, "end": len(text), "label": m.group(2), "orig_label": m.group(2)})
        else:
            text += m.group(3)
            keep.append({"start": start, "end": len(text), "kind": "KEEP"})
        pos = m.end()
    text += body[pos:]
    return {
        "id": f"{name.replace('nhs_handwritten', 'nhs-hand')}-{n}",
        "source": f"bench/data/{name}.txt",
        "text": text,
        "spans": spans,
        "keep": keep,
        "themes": sorted(c.strip() for c in codes.split(",") if c.strip()),
    }


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "nhs_handwritten"
    lines = [
        ln
        for ln in (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    out = DATA / f"{name}.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for n, line in enumerate(lines):
            fh.write(json.dumps(convert(line, n, name), ensure_ascii=False) + "\n")
    print(f"wrote {len(lines)} reports to {out}")


if __name__ == "__main__":
    main()
