"""Turn bench/data/nhs_handwritten.txt (hand-written reports with [[value|LABEL]] and
{{word}} marks) into bench/data/nhs_handwritten.jsonl in the eval.jsonl line format, plus
`keep` and `themes`.

    .venv/bin/python bench/make_handwritten_set.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
MARK = re.compile(r"\[\[(.+?)\|([A-Z]+)\]\]|\{\{(.+?)\}\}")


def convert(line: str, n: int) -> dict:
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
        "id": f"nhs-hand-{n}",
        "source": "bench/data/nhs_handwritten.txt",
        "text": text,
        "spans": spans,
        "keep": keep,
        "themes": sorted(c.strip() for c in codes.split(",")),
    }


def main() -> None:
    lines = [
        ln
        for ln in (DATA / "nhs_handwritten.txt").read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    out = DATA / "nhs_handwritten.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for n, line in enumerate(lines):
            fh.write(json.dumps(convert(line, n), ensure_ascii=False) + "\n")
    print(f"wrote {len(lines)} reports to {out}")


if __name__ == "__main__":
    main()
