"""Redaction benchmark: leaks, precision, keep-rate, themes, speed and memory, in one run.

    .venv/bin/python bench/redaction_bench.py [--quick] [--no-presidio]

Data: shared/eval/pii/eval.jsonl and eval_wnut17.jsonl (public, measured only, never tuned
on) and bench/data/nhs_reports.jsonl (ours, from bench/make_nhs_dataset.py). Each engine runs
in its own process, one after the other, on the same texts (2-core machines: never two
heavy processes at once). Definitions, as in shared/eval/pii/README.md:
- token recall: share of gold personal-data word tokens wholly inside a predicted span
  (a token left visible is a leak); core = PERSON, EMAIL, PHONE, ADDRESS, ID, URL;
- span precision: share of predicted spans that overlap a gold span of any label
  (WNUT: predicted PERSON spans overlapping a gold PERSON span);
- zero-leak docs: share of documents holding core gold tokens that leak none of them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("PII_EVAL_DIR", ROOT.parent / "shared" / "eval" / "pii"))
OWN = ROOT / "bench" / "data" / "nhs_reports.jsonl"
HAND = ROOT / "bench" / "data" / "nhs_handwritten.jsonl"
CORE = ("PERSON", "EMAIL", "PHONE", "ADDRESS", "ID", "URL")
WORD = re.compile(r"\w+")


def load(path: Path, limit: int | None) -> list[dict]:
    docs = [json.loads(line) for line in open(path, encoding="utf-8")]
    return docs[:limit] if limit else docs


def covered(start: int, end: int, preds: list[list]) -> bool:
    return any(ps <= start and end <= pe for ps, pe, _ in preds)


def token_stats(docs: list[dict], preds: list[list[list]], key: str = "label"):
    hit: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    with_core = zero_leak = 0
    for doc, pred in zip(docs, preds, strict=True):
        leaks = core_tokens = 0
        for span in doc["spans"]:
            for m in WORD.finditer(doc["text"], span["start"], span["end"]):
                ok = covered(m.start(), m.end(), pred)
                total[span[key]] += 1
                hit[span[key]] += ok
                if span["label"] in CORE:
                    core_tokens += 1
                    leaks += not ok
                    total["core"] += 1
                    hit["core"] += ok
        if core_tokens:
            with_core += 1
            zero_leak += leaks == 0
    return hit, total, (zero_leak / with_core if with_core else 1.0)


def precision(docs: list[dict], preds: list[list[list]], label: str | None = None) -> float:
    tp = n = 0
    for doc, pred in zip(docs, preds, strict=True):
        gold = [s for s in doc["spans"] if label is None or s["label"] == label]
        for ps, pe, plabel in pred:
            if label is not None and plabel != label:
                continue
            n += 1
            tp += any(ps < g["end"] and g["start"] < pe for g in gold)
    return tp / n if n else 1.0


def fmt(hit, total, name) -> str:
    return f"{hit[name] / total[name]:.3f}" if total[name] else "  -  "


def run_engine(engine: str, texts_file: str) -> dict | None:
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    env = dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'libs'}")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_engines.py"), engine, texts_file, out],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        print(f"[{engine} failed: {proc.stderr.strip().splitlines()[-1:]}]")
        if engine == "presidio" and "presidio" in proc.stderr:
            print("[install the benchmark extra: .venv/bin/pip install presidio-analyzer==2.2.366]")
        return None
    return json.loads(Path(out).read_text())


def run_cli(texts_file: str) -> tuple[float, float, int]:
    """End to end: portal-redact reading JSON Lines, model load included. Must run before any
    other child process so RUSAGE_CHILDREN's peak is the CLI's own."""
    env = dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'libs'}")
    t0 = time.perf_counter()
    with open(texts_file, encoding="utf-8") as fin:
        proc = subprocess.run(
            [sys.executable, "-m", "services.redactor.cli"],
            stdin=fin,
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, rss, proc.returncode


def report_pii(name: str, docs, preds, labels) -> dict:
    hit, total, zero = token_stats(docs, preds)
    p = precision(docs, preds)
    cells = " ".join(f"{lab}={fmt(hit, total, lab)}" for lab in labels)
    print(f"  {name:9s} core={fmt(hit, total, 'core')} {cells} span_prec={p:.3f} zero_leak_docs={zero:.3f}")
    return {
        "core": hit["core"] / max(total["core"], 1),
        "PERSON": hit["PERSON"] / max(total["PERSON"], 1),
        "prec": p,
        "zero": zero,
    }


def report_wnut(name: str, docs, preds) -> dict:
    hit, total, _ = token_stats(docs, preds)
    p = precision(docs, preds, "PERSON")
    print(f"  {name:9s} PERSON recall={fmt(hit, total, 'PERSON')} PERSON precision={p:.3f}")
    return {"recall": hit["PERSON"] / max(total["PERSON"], 1), "prec": p}


def report_own(docs, preds) -> dict:
    hit, total, zero = token_stats(docs, preds, key="orig_label")
    caught: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for doc, pred in zip(docs, preds, strict=True):
        for s in doc["spans"]:
            ok = all(covered(m.start(), m.end(), pred) for m in WORD.finditer(doc["text"], s["start"], s["end"]))
            caught[s["orig_label"]][0] += ok
            caught[s["orig_label"]][1] += 1
    for lab in sorted(caught):
        c, n = caught[lab]
        print(f"    {lab:17s} spans fully caught {c:4d}/{n:<4d}  token recall {fmt(hit, total, lab)}")
    kept = n_keep = 0
    missed_kinds: dict[str, int] = defaultdict(int)
    for doc, pred in zip(docs, preds, strict=True):
        for k in doc.get("keep", []):
            n_keep += 1
            if any(ps < k["end"] and k["start"] < pe for ps, pe, _ in pred):
                missed_kinds[k["kind"]] += 1
            else:
                kept += 1
    rate = kept / n_keep if n_keep else 1.0
    print(
        f"    core token recall {fmt(hit, total, 'core')}  span_prec {precision(docs, preds):.3f}  "
        f"zero_leak_docs {zero:.3f}  keep-rate {kept}/{n_keep} = {rate:.4f} "
        f"(lost by kind: {dict(missed_kinds) or 'none'})"
    )
    must = ("EMAIL", "PHONE", "NHS_NUMBER", "NI_NUMBER", "POSTCODE")
    all_caught = all(caught[k][0] == caught[k][1] for k in must if caught[k][1])
    return {
        "core": hit["core"] / max(total["core"], 1),
        "keep": rate,
        "must": all_caught,
        "prec": precision(docs, preds),
    }


def report_review(name: str, docs, preds, reviews) -> None:
    """How well the residual-risk flag sends leaky reports to a human."""
    leaky = flagged = caught = 0
    for doc, pred, review in zip(docs, preds, reviews, strict=True):
        leak = any(
            not covered(m.start(), m.end(), pred)
            for span in doc["spans"]
            if span["label"] in CORE
            for m in WORD.finditer(doc["text"], span["start"], span["end"])
        )
        leaky += leak
        flagged += review
        caught += leak and review
    share = f"{caught}/{leaky} = {caught / leaky:.3f}" if leaky else "n/a (no leaky docs)"
    print(
        f"  risk flag on {name}: needs_review {flagged / len(docs):.3f} of docs; docs with a core leak flagged {share}"
    )


def report_themes(docs, texts_file: str) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "libs")]
    from portal_common.taxonomy import THEME_CODES
    from services.redactor.pipeline import load_redactor

    results = load_redactor().redact_batch([d["text"] for d in docs])
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    for doc, res in zip(docs, results, strict=True):
        gold, got = set(doc["themes"]), set(res.themes)
        for c in got & gold:
            tp[c] += 1
        for c in got - gold:
            fp[c] += 1
        for c in gold - got:
            fn[c] += 1
    print("  theme                     precision recall  (support)")
    for code in sorted(THEME_CODES):
        p = tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else float("nan")
        r = tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else float("nan")
        print(f"  {code:25s} {p:9.3f} {r:6.3f}  ({tp[code] + fn[code]})")
    T, F, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(f"  micro-average             {T / max(T + F, 1):9.3f} {T / max(T + N, 1):6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a subset (300/300/150 docs)")
    parser.add_argument("--no-presidio", action="store_true")
    args = parser.parse_args()
    lim = 300 if args.quick else None
    sets = {
        "eval": load(EVAL_DIR / "eval.jsonl", lim),
        "wnut": load(EVAL_DIR / "eval_wnut17.jsonl", lim),
        "own": load(OWN, 150 if args.quick else None),
        "hand": load(HAND, None),
    }
    texts_file = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")
    for docs in sets.values():
        for d in docs:
            texts_file.write(json.dumps({"text": d["text"]}) + "\n")
    texts_file.close()
    print(
        f"docs: eval {len(sets['eval'])}, wnut {len(sets['wnut'])}, own {len(sets['own'])}, "
        f"hand {len(sets['hand'])}; "
        f"machine load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    cli_wall, cli_rss, cli_rc = run_cli(texts_file.name)
    engines = ["portal"] + ([] if args.no_presidio else ["presidio"])
    runs = {e: r for e in engines if (r := run_engine(e, texts_file.name)) is not None}
    summary: dict[str, dict] = {}
    for engine, run in runs.items():
        preds, i = run["predictions"], 0
        reviews = run.get("reviews")
        split, review_split = {}, {}
        for name, docs in sets.items():
            split[name] = preds[i : i + len(docs)]
            if reviews:
                review_split[name] = reviews[i : i + len(docs)]
            i += len(docs)
        print(f"\n== {engine} ==")
        print(" eval.jsonl (token recall per label)")
        s = {"eval": report_pii(engine, sets["eval"], split["eval"], CORE + ("LOCATION", "ORG", "DATE"))}
        print(" eval_wnut17.jsonl")
        s["wnut"] = report_wnut(engine, sets["wnut"], split["wnut"])
        print(" own NHS-style set (bench/data/nhs_reports.jsonl)")
        s["own"] = report_own(sets["own"], split["own"])
        print(" hand-written NHS-style set (bench/data/nhs_handwritten.jsonl)")
        s["hand"] = report_own(sets["hand"], split["hand"])
        if review_split:
            for name in ("eval", "wnut", "own", "hand"):
                report_review(name, sets[name], split[name], review_split[name])
        s["speed"] = run["chars"] / run["seconds"]
        s["cpu_speed"] = run["chars"] / run["cpu_seconds"]
        s["rss"] = run["peak_rss_mib"]
        print(
            f" speed: {s['speed']:,.0f} chars/s warm, wall clock ({run['docs'] / run['seconds']:,.0f} docs/s); "
            f"{s['cpu_speed']:,.0f} chars per CPU-second; load {run['load_s']:.1f}s, peak RSS {s['rss']:.0f} MiB"
        )
        summary[engine] = s
    chars = sum(len(d["text"]) for docs in sets.values() for d in docs)
    print(
        f"\nportal-redact CLI end to end (model load included): exit {cli_rc}, "
        f"{chars / cli_wall:,.0f} chars/s, peak RSS {cli_rss:.0f} MiB"
    )
    print("\n== themes (portal): generated set (lexicon and templates written together) ==")
    report_themes(sets["own"], texts_file.name)
    print("\n== themes (portal): hand-written set (held out: the lexicon was not tuned on it) ==")
    report_themes(sets["hand"], texts_file.name)
    print("\n== summary ==")
    print(
        "| system | eval core recall | eval PERSON recall | eval span precision | "
        "eval zero-leak docs | WNUT PERSON recall / precision | own set core recall | "
        "own keep-rate | hand-written core recall / keep-rate | chars/s wall (warm) | chars/CPU-s | "
        "peak RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for engine, s in summary.items():
        print(
            f"| {engine} | {s['eval']['core']:.3f} | {s['eval']['PERSON']:.3f} | "
            f"{s['eval']['prec']:.3f} | {s['eval']['zero']:.3f} | {s['wnut']['recall']:.3f} / "
            f"{s['wnut']['prec']:.3f} | {s['own']['core']:.3f} | {s['own']['keep']:.4f} | "
            f"{s['hand']['core']:.3f} / {s['hand']['keep']:.3f} | "
            f"{s['speed']:,.0f} | {s['cpu_speed']:,.0f} | {s['rss']:.0f} |"
        )
    if "portal" in summary and "presidio" in summary:
        wall = summary["portal"]["speed"] / summary["presidio"]["speed"]
        cpu = summary["portal"]["cpu_speed"] / summary["presidio"]["cpu_speed"]
        print(f"throughput ratio portal/presidio: {wall:.1f}x wall clock, {cpu:.1f}x per CPU-second")
    print(f"machine load average at end {os.getloadavg()[0]:.2f} (other processes share the cores)")
    os.unlink(texts_file.name)


if __name__ == "__main__":
    main()
