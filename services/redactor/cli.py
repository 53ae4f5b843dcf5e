"""portal-redact: redact JSON Lines from standard input to standard output.

Each input line is a JSON object with a string `text` field. Each output line is that
object without `text`, plus `redacted`, `entities` (offsets into the original text),
`entity_counts`, `themes` and `risk`. Other fields pass through unchanged.

A malformed line (not JSON, not an object, or no string `text`) is reported on standard
error by line number only (its content is never echoed) and skipped; the remaining lines
are still processed and the exit status is 1. With --strict the first bad line stops the
run with exit status 1 before anything after it is read. Blank lines are ignored.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from services.redactor.pipeline import DEFAULT_MODEL, RedactionError, Redactor, load_redactor

EXIT_BAD_INPUT = 1
EXIT_SETUP = 2


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="portal-redact",
        description="Redact personal data from JSON Lines (a `text` field per line).",
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, help="installed spaCy model name")
    parser.add_argument("--places", metavar="CSV", help="organisation's site/ward/team names")
    parser.add_argument("--batch-size", type=int, default=64, help="texts per nlp.pipe batch")
    parser.add_argument("--strict", action="store_true", help="stop at the first malformed line")
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    return args


def _records(stream: TextIO, strict: bool, errors: list[int]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            errors.append(number)
            print(
                f"portal-redact: line {number}: expected a JSON object with a string 'text' field; line skipped",
                file=sys.stderr,
            )
            if strict:
                return
            continue
        yield record


def _flush(redactor: Redactor, batch: list[dict[str, Any]], out: TextIO, size: int) -> None:
    results = redactor.redact_batch([r["text"] for r in batch], batch_size=size)
    for record, result in zip(batch, results, strict=True):
        payload = {k: v for k, v in record.items() if k != "text"}
        payload.update(result.to_dict())
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
    out.flush()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        redactor = load_redactor(model=args.model, places_csv=args.places)
    except RedactionError as exc:
        print(f"portal-redact: {exc}", file=sys.stderr)
        return EXIT_SETUP
    errors: list[int] = []
    batch: list[dict[str, Any]] = []
    for record in _records(sys.stdin, args.strict, errors):
        batch.append(record)
        if len(batch) >= args.batch_size:
            _flush(redactor, batch, sys.stdout, args.batch_size)
            batch = []
    if batch:
        _flush(redactor, batch, sys.stdout, args.batch_size)
    if errors:
        print(f"portal-redact: {len(errors)} malformed line(s) skipped", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
