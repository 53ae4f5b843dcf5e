"""docker-compose.yml cannot run here (no Docker engine), so read it against the code:
every command must name a module, factory, console script, queue or file that exists."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from portal_common.crypto import new_key
from portal_ops import reference, registry

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
PORTAL_SERVICES = {name: spec for name, spec in SERVICES.items() if spec.get("image", "").startswith("microaggression")}


def _resolve(target: str):
    module, _, attr = target.partition(":")
    mod = importlib.import_module(module)
    return getattr(mod, attr.split("(")[0]) if attr else mod


def test_every_portal_process_in_the_registry_is_in_compose():
    commands = [" ".join(spec["command"]) for spec in PORTAL_SERVICES.values()]
    for svc in registry.web_services():
        assert any(f"portal_ops.wsgi:create_app('{svc.name}')" in c for c in commands), svc.name
    for svc in registry.SERVICES:
        if svc.queues:
            expected = f"portal_ops.workers:{svc.name} worker -Q {','.join(svc.queues)} "
            assert any(expected in c for c in commands), svc.name
        if svc.job_queues:
            expected = f"portal_ops.workers:{svc.name} worker -Q {','.join(svc.job_queues)} "
            assert any(expected in c for c in commands), svc.name
    assert any(c == "portal-relay" for c in commands)
    assert any(c == "portal-migrate" for c in commands)


@pytest.mark.parametrize("name", sorted(PORTAL_SERVICES))
def test_commands_refer_to_things_that_exist(name, monkeypatch, tmp_path):
    # A worker's tasks are built with its settings, as in the container (values are placeholders).
    monkeypatch.setenv("PORTAL_FERNET_KEYS", new_key())
    monkeypatch.setenv("PORTAL_REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    command = PORTAL_SERVICES[name]["command"]
    program = command[0]
    if program == "gunicorn":
        assert command[command.index("-c") + 1] == "python:portal_ops.gunicorn_conf"
        importlib.import_module("portal_ops.gunicorn_conf")
        factory = _resolve(command[-1])
        assert callable(factory)
        assert command[-1].split("'")[1] in registry.BY_NAME
    elif program == "celery":
        target = command[command.index("-A") + 1]
        app = _resolve(target)
        queues = command[command.index("-Q") + 1].split(",")
        app.loader.import_default_modules()
        service = registry.service(target.split(":")[1])
        assert f"{service.name}.handle_event" in app.tasks
        assert queues in (list(service.queues), list(service.job_queues))
        if queues == list(service.job_queues):  # a job worker: its app has a task routed there
            assert any(getattr(task, "queue", None) in queues for task in app.tasks.values())
    else:
        assert program in SCRIPTS, f"{program} is not a console script of the project"
        _resolve(SCRIPTS[program].replace(":main", ""))


def test_files_mounted_and_built_exist():
    build = PORTAL_SERVICES["intake"]["build"]
    dockerfile = ROOT / build["dockerfile"]
    assert dockerfile.exists()
    for src in re.findall(r"^COPY (?:--from=\S+ )?(\S+)", dockerfile.read_text(), flags=re.M):
        if not src.startswith("/"):
            for part in src.split():
                assert (ROOT / part).exists() or part.startswith("services/intake/static"), part
    for spec in SERVICES.values():
        for volume in spec.get("volumes", []):
            host = volume.split(":")[0]
            if host.startswith("./"):
                assert (ROOT / host).exists(), host


def test_environment_names_are_known_variables():
    known = {doc.name for _process, cls in reference._processes() for doc in cls.variables()}
    for spec in [*PORTAL_SERVICES.values(), COMPOSE.get("x-portal-env", {})]:
        for key in spec.get("environment", {}) if isinstance(spec, dict) else []:
            assert key in known, f"{key} is not a configuration variable the code reads"


def test_redis_is_persistent_and_proxy_hides_reporters():
    assert "--appendonly" in SERVICES["redis"]["command"]
    assert SERVICES["redis"]["command"][SERVICES["redis"]["command"].index("--appendonly") + 1] == "yes"
    nginx = (ROOT / "deploy/nginx/nginx.conf").read_text()
    intake_block = nginx[nginx.index("server_name report.localhost") :].split("server {")[0]
    assert "access_log off" in intake_block
    assert "$remote_addr" not in nginx.split("log_format no_client")[1].split(";")[0]
    for upstream in re.findall(r"server (\w+):8000", nginx):
        assert upstream in SERVICES
