"""portal-redact as a real subprocess: JSON Lines in, JSON Lines out, errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLACES = ROOT / "services/redactor/data/places_example.csv"


def run_cli(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "libs")]))
    return subprocess.run(
        [sys.executable, "-m", "services.redactor.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_redacts_passes_fields_through_and_reports_bad_lines():
    lines = [
        json.dumps({"id": 1, "text": "Call Sarah Okonkwo on 07700 900123.", "site": "north"}),
        "this is not json and mentions Secretname",
        json.dumps({"id": 2, "text": "It happened on Kestrel last March."}),
        json.dumps({"id": 3, "body": "no text field"}),
        "",
    ]
    proc = run_cli("\n".join(lines) + "\n", "--places", str(PLACES), "--batch-size", "1")
    assert proc.returncode == 1
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2]
    first = out[0]
    assert first["site"] == "north"
    assert "text" not in first
    assert first["redacted"] == "Call [PERSON 1] on [PHONE]."
    original = json.loads(lines[0])["text"]
    spans = [(original[e["start"] : e["end"]], e["label"]) for e in first["entities"]]
    assert spans == [("Sarah Okonkwo", "PERSON"), ("07700 900123", "PHONE")]
    assert set(first["risk"]) == {"score", "reasons", "needs_review"}
    assert out[1]["redacted"] == "It happened on [WORKPLACE] last March."
    assert "line 2" in proc.stderr and "line 4" in proc.stderr
    assert "Secretname" not in proc.stderr and "no text field" not in proc.stderr


def test_cli_strict_stops_at_first_bad_line():
    lines = [json.dumps({"text": "Hello Priya"}), "{broken", json.dumps({"text": "Never read"})]
    proc = run_cli("\n".join(lines) + "\n", "--strict")
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 1
    assert "line 2" in proc.stderr


def test_cli_unknown_model_is_a_setup_error():
    proc = run_cli("", "--model", "no_such_model_xyz")
    assert proc.returncode == 2
    assert "not installed" in proc.stderr
