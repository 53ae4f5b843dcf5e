"""docker-compose.yml cannot run here (no Docker engine), so read it against the code:
every command must name a module, factory, console script, queue or file that exists."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from portal_common.config import VARIABLES
from portal_common.messaging import queue_for

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
PORTAL_SERVICES = {name: spec for name, spec in SERVICES.items() if spec.get("image", "").startswith("microaggression")}


def _resolve(target: str):
    module, _, attr = target.partition(":")
    mod = importlib.import_module(module)
    return getattr(mod, attr.rstrip("()")) if attr else mod


def test_every_portal_process_is_in_compose():
    commands = [" ".join(spec["command"]) for spec in PORTAL_SERVICES.values()]
    for service in ("intake", "analytics", "training"):
        assert any(f"services.{service}.app:create_app()" in c for c in commands)
    for service in ("intake", "redactor", "analytics", "training"):
        assert any(f"services.{service}.worker" in c and queue_for(service) in c for c in commands)
    assert any(c == "portal-relay" for c in commands)
    assert any(c == "portal-migrate" for c in commands)


@pytest.mark.parametrize("name", sorted(PORTAL_SERVICES))
def test_commands_refer_to_things_that_exist(name):
    command = PORTAL_SERVICES[name]["command"]
    program = command[0]
    if program == "gunicorn":
        assert command[command.index("-c") + 1] == "python:portal_common.gunicorn_conf"
        importlib.import_module("portal_common.gunicorn_conf")
        factory = _resolve(command[-1])
        assert callable(factory)
    elif program == "celery":
        module = _resolve(command[command.index("-A") + 1])
        app = module.celery
        queues = command[command.index("-Q") + 1].split(",")
        app.loader.import_default_modules()
        service = command[command.index("-A") + 1].split(".")[1]
        assert f"{service}.handle_event" in app.tasks
        assert queue_for(service) in queues
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
    known = set()
    for var in VARIABLES:
        if "{service}" in var.name:
            known |= {var.name.format(service=s.upper()) for s in var.services or ("INTAKE",)}
            known |= {var.name.format(service=s) for s in ("INTAKE", "REDACTOR", "ANALYTICS", "TRAINING")}
        else:
            known.add(var.name)
    env = PORTAL_SERVICES["intake"]["environment"]
    for key in env:
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
