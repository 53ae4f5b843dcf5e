"""Intake's cost per report: intake and a bare Flask app under the same gunicorn, driven by wrk.

    .venv/bin/python bench/intake_throughput.py [--duration 20] [--connections 16] [--postgres]

Starts, as subprocesses, (1) intake under gunicorn with the production config
(portal_ops.gunicorn_conf: 2 workers x 4 threads, no access log) and its rate limits
raised through its settings (PORTAL_INTAKE_REPORT_LIMIT), and (2) bench/bare_flask_app.py under the same
gunicorn settings. Each is driven with wrk (Debian package ``wrk``) POSTing the same JSON
report to /api/v1/reports, after a short warm-up. Prints the machine, the data, the database
and a side-by-side table.

Needs Redis for intake's rate-limit counters (PORTAL_REDIS_URL, default
redis://127.0.0.1:6379/1; nothing is flushed). The database is a fresh SQLite file in a
temporary folder, or with --postgres a fresh database on PORTAL_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/test's server), dropped afterwards.
Secrets and the Fernet key are generated for the run. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

RAISED_LIMITS = {"report": "100000000 per hour", "wrong_code": "100000000 per hour"}

REPORT = {
    "account": (
        "At handover a colleague asked me where I was really from, and when I said Leeds "
        "she laughed and asked again, louder, in front of the patient's family. Later the "
        "same day someone on the ward called me by another nurse's name for the third time."
    ),
    "what_would_help": "A word with the team about names and questions like that one.",
    "experience": "experienced",
    "characteristics": ["race"],
    "sources": ["colleague"],
    "setting": "acute",
    "staff_group": "nursing_midwifery",
}

LUA = """
wrk.method = "POST"
wrk.path = "{path}"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  io.write(string.format(
    "WRK-JSON {{\\"requests\\": %d, \\"duration_us\\": %d, \\"non_2xx\\": %d, \\"socket_errors\\": %d, "
    .. "\\"p50_us\\": %d, \\"p90_us\\": %d, \\"p99_us\\": %d, \\"max_us\\": %d}}\\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict[str, str]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kib = int(line.split()[1])
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": model,
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "wrk": wrk_version[0].split(" Copyright")[0] if wrk_version else "?",
    }


class Server:
    def __init__(self, name: str, app_spec: str, env: dict[str, str], logdir: Path):
        self.name = name
        self.port = free_port()
        self.log = (logdir / f"{name}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:portal_ops.gunicorn_conf",
             "-b", f"127.0.0.1:{self.port}", app_spec],
            env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} stopped at start; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{name} did not start; see {self.log.name}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn's master and workers (user + system)."""
        pids = [self.proc.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def start_wrk(url: str, script: Path, duration: int, connections: int, threads: int) -> subprocess.Popen:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script), url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603


def finish_wrk(proc: subprocess.Popen) -> dict[str, float]:
    out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"wrk failed: {err.strip()}")
    line = next(line for line in out.splitlines() if line.startswith("WRK-JSON "))
    raw = json.loads(line[len("WRK-JSON "):])
    seconds = raw["duration_us"] / 1e6
    return {
        "req/s": raw["requests"] / seconds,
        "requests": raw["requests"],
        "p50 ms": raw["p50_us"] / 1000,
        "p90 ms": raw["p90_us"] / 1000,
        "p99 ms": raw["p99_us"] / 1000,
        "max ms": raw["max_us"] / 1000,
        "non-2xx": raw["non_2xx"],
        "socket errors": raw["socket_errors"],
    }


def run_wrk(url: str, script: Path, duration: int, connections: int, threads: int,
            server: Server | None = None) -> dict[str, float]:
    """wrk's figures, and with ``server`` the server's CPU time per request over the run
    (less sensitive than req/s to other work on a shared machine)."""
    cpu = server.cpu_seconds() if server else 0.0
    result = finish_wrk(start_wrk(url, script, duration, connections, threads))
    if server:
        result["server cpu ms/req"] = (server.cpu_seconds() - cpu) * 1000 / max(1, result["requests"])
    return result


def postgres_database(base_url: str) -> tuple[str, str]:
    """A fresh database on the server of ``base_url``: (its URL, its name)."""
    import psycopg

    name = f"intake_bench_{os.getpid()}"
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres_database(base_url: str, name: str) -> None:
    import psycopg

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of measurement per app")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per app, not counted")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="intake on PostgreSQL instead of SQLite")
    parser.add_argument("--only", choices=("intake", "bare"), help="run one app only")
    parser.add_argument("--flood", type=int, default=16, metavar="N",
                        help="also measure intake's reports while N more connections send wrong receipt "
                        "codes (0: skip)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    from cryptography.fernet import Fernet

    from portal_ops.migrate import upgrade

    redis_url = os.environ.get("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/1")
    pg_base = os.environ.get("PORTAL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    pg_name = None
    if args.postgres:
        database_url, pg_name = postgres_database(pg_base)
        database = f"PostgreSQL (fresh database {pg_name})"
    else:
        database_url = f"sqlite:///{workdir / 'intake.db'}"
        database = "SQLite, a fresh file in a temporary folder (WAL)"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
        "PYTHONPATH": f"{ROOT}:{ROOT / 'libs'}",
        "PORTAL_DATA_DIR": str(workdir),
        "PORTAL_REDIS_URL": redis_url,
        "PORTAL_FERNET_KEYS": Fernet.generate_key().decode(),
        "PORTAL_INTAKE_SECRET_KEY": secrets.token_urlsafe(40),
        "PORTAL_INTAKE_RECEIPT_KEY": secrets.token_urlsafe(40),
        "PORTAL_INTAKE_DATABASE_URL": database_url,
        "PORTAL_WEB_WORKERS": "2",
        "PORTAL_WEB_THREADS": "4",
        "PORTAL_LOG_LEVEL": "INFO",
        "PORTAL_INTAKE_REPORT_LIMIT": RAISED_LIMITS["report"],
        "PORTAL_INTAKE_WRONG_CODE_LIMIT": RAISED_LIMITS["wrong_code"],
    }
    upgrade("intake", database_url)
    script = workdir / "post_report.lua"
    script.write_text(LUA.format(path="/api/v1/reports", body=json.dumps(json.dumps(REPORT))))
    flood_script = workdir / "wrong_code.lua"
    wrong = {"code": "apple brave cedar delta eagle fable"}
    flood_script.write_text(LUA.format(path="/api/v1/receipts/lookup", body=json.dumps(json.dumps(wrong))))

    apps = {
        "intake": "portal_ops.wsgi:create_app('intake')",
        "bare Flask": "bench.bare_flask_app:create_app()",
    }
    if args.only:
        apps = {k: v for k, v in apps.items() if k.startswith(args.only)}
    results: dict[str, dict[str, float]] = {}
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    try:
        for name, spec in apps.items():
            server = Server(name.replace(" ", "-"), spec, env, workdir)
            try:
                url = server.url + "/api/v1/reports"
                if args.warmup:
                    run_wrk(url, script, args.warmup, args.connections, args.wrk_threads)
                results[name] = run_wrk(url, script, args.duration, args.connections, args.wrk_threads, server)
                if name == "intake" and args.flood:
                    flood = start_wrk(server.url + "/api/v1/receipts/lookup", flood_script, args.duration + 2,
                                      args.flood, 1)
                    time.sleep(1)
                    results["intake + flood"] = run_wrk(url, script, args.duration, args.connections,
                                                        args.wrk_threads)
                    results["(the flood)"] = finish_wrk(flood)
            finally:
                server.stop()
    finally:
        if pg_name:
            drop_postgres_database(pg_base, pg_name)

    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print("machine:")
    for key, value in machine().items():
        print(f"  {key}: {value}")
    print(f"  load average (1, 5, 15 min) before: {' '.join(load_before)}, after: {' '.join(load_after)} "
          "(the machine is shared: other work competes for the same cores)")
    print("server: gunicorn, portal_ops.gunicorn_conf, 2 workers x 4 threads; log level INFO; "
          "both apps and wrk on this machine")
    print(f"load: wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s after {args.warmup}s warm-up, "
          f"POST /api/v1/reports with one {len(json.dumps(REPORT))}-byte JSON report "
          f"({len(REPORT['account'])}-character account, 6 answers)")
    print(f"intake: database {database}; Redis {redis_url} (rate-limit counters, limits raised); "
          f"no relay or workers running (the outbox only grows)")
    if "(the flood)" in results:
        print(f"intake + flood: the same reports while {args.flood} more connections POST one wrong receipt code "
              f"to /api/v1/receipts/lookup (limits raised, as if from many addresses); '(the flood)' is "
              f"that load: its non-2xx are 404s and 503s")
    print()
    columns = ["req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "requests", "non-2xx", "socket errors",
               "server cpu ms/req"]
    names = list(results)
    print(f"| {'':17} | " + " | ".join(f"{n:>14}" for n in names) + " |")
    print(f"|{'-' * 19}|" + "|".join("-" * 16 for _ in names) + "|")
    for column in columns:
        cells = []
        for n in names:
            value = results[n].get(column, "")
            cells.append(f"{value:>14.2f}" if isinstance(value, float) else f"{value:>14}")
        print(f"| {column:17} | " + " | ".join(cells) + " |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
