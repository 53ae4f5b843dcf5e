"""`portal-run` on an empty data folder: embedded Redis, SQLite, every process, real HTTP."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from ..support.processes import ROOT, free_port, wait_for

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return json.loads(response.read())
    except OSError:
        return None


def test_one_command_runs_the_product_and_stops_cleanly(tmp_path):
    port, redis_port = free_port(), free_port()
    while redis_port in (port, port + 1, port + 2, port + 3):
        redis_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATA_DIR=str(tmp_path / "var"), PORTAL_RESEND_INTERVAL="5")
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "portal_ops.runner", "--port", str(port), "--redis-port", str(redis_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        for offset in range(4):
            wait_for(lambda o=offset: _get(f"http://127.0.0.1:{port + o}/readyz"), 60, message="services ready")
        # Staff sign-in works out of the box: accounts is the provider the relying parties point at.
        discovery = _get(f"http://127.0.0.1:{port + 3}/.well-known/openid-configuration")
        assert discovery["issuer"] == f"http://127.0.0.1:{port + 3}"
        body = json.dumps({
            "account": "Dr Miriam Fairweather told the team I was too emotional. "
                       "Email miriam.fairweather@example.org or ring 01632 960983.",
            "characteristics": ["sex"],
            "training_consent": True,  # training keeps the redacted text only with the reporter's yes
        }).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/reports", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 202
            report_id = json.loads(response.read())["id"]

        # Analytics' and training's figures are for signed-in staff now: read their databases.
        def count(service: str, table: str) -> int:
            with sqlite3.connect(tmp_path / "var" / f"{service}.db") as db:
                return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - our names

        wait_for(lambda: count("analytics", "reports") == 1, 60, message="analytics to count the report")
        wait_for(lambda: count("training", "case_candidates") == 1, 30, message="training pool")
        base = "http://127.0.0.1"
        for url in (f"{base}:{port + 1}/api/v1/stats", f"{base}:{port + 2}/api/v1/candidates/stats"):
            with pytest.raises(urllib.error.HTTPError) as refused:  # nobody signed in
                urllib.request.urlopen(url, timeout=5)  # noqa: S310 - loopback only
            assert refused.value.code == 401
            refused.value.close()

        def intake_row():
            with sqlite3.connect(tmp_path / "var" / "intake.db") as db:
                return db.execute("SELECT status, ciphertext FROM submissions WHERE id = ?", (report_id,)).fetchone()

        wait_for(lambda: intake_row() == ("complete", None), 30, message="ciphertext wiped")
        # Analytics keeps the coded answers only: the redacted text is read where it is kept,
        # in training's pool (the reporter agreed) and on intake's receipt.
        with sqlite3.connect(tmp_path / "var" / "training.db") as db:
            (text,) = db.execute(
                "SELECT redacted_text FROM case_candidates WHERE report_id = ?", (report_id,)
            ).fetchone()
        with sqlite3.connect(tmp_path / "var" / "intake.db") as db:
            (receipt_text,) = db.execute("SELECT redacted_text FROM submissions WHERE id = ?", (report_id,)).fetchone()
        assert receipt_text == text
        for secret in ("Miriam", "Fairweather", "miriam.fairweather@example.org", "01632 960983"):
            assert secret not in text
        assert "too emotional" in text
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output[-2000:]
    assert f"http://127.0.0.1:{port}/" in output
    assert "portal-run: stopped" in output
    assert str(tmp_path / "var" / "mail") in output  # where staff emails go without SMTP
    assert "miriam" not in output.lower()  # nothing the reporter wrote reaches the console
