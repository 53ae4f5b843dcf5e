"""Every arrow points down: portal_ops -> services -> portal_common, and services never meet."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from portal_common.crypto import new_key
from portal_ops import registry

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "libs" / "portal_common"


def test_import_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{ROOT / 'libs'}"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _strings(tree: ast.AST):
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


# The staff site's addresses (docs/adr/0009): every staff service reads the public URL of the
# three staff services, so the shared staff layout names them as sites, not as imports.
STAFF_SITES = {"libs/portal_common/staff_web.py": {"accounts", "analytics", "training"}}


def test_the_shared_package_names_no_service_even_in_a_string():
    names = "|".join(map(re.escape, registry.NAMES))
    pattern = re.compile(rf"(\bservices\.|\bportal_ops\b|\b({names})\b)", re.I)
    found = []
    for path in sorted(SHARED.rglob("*.py")):
        allowed = STAFF_SITES.get(str(path.relative_to(ROOT)), set())
        for node in _strings(ast.parse(path.read_text())):
            if " " in node.value.strip() and not re.search(r"\bservices\.|\bportal_ops\b", node.value):
                continue  # prose shown to people (a role's description), not a name used to load anything
            if node.value in allowed:
                continue
            if pattern.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert found == []


def test_every_subscription_has_a_handler_and_every_queue_a_worker(monkeypatch, tmp_path):
    # Building a worker's tasks reads its settings, as a starting worker would.
    monkeypatch.setenv("PORTAL_FERNET_KEYS", new_key())
    monkeypatch.setenv("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    routing = registry.routing()
    for svc in registry.workers():
        assert svc.make_worker is not None
        app = svc.make_worker(routing)
        app.loader.import_default_modules()
        if svc.subscribes:
            assert f"{svc.name}.handle_event" in app.tasks
    # A service without a worker neither subscribes nor publishes.
    for svc in registry.SERVICES:
        if svc.make_worker is None:
            assert not (svc.subscribes or svc.publishes or svc.queues), svc.name
    for event_type, subscribers in routing.subscribers.items():
        for name in subscribers:
            assert event_type in registry.service(name).subscribes
    # Every event a service publishes is one some other service subscribes to.
    for svc in registry.SERVICES:
        for event_type in svc.publishes:
            assert routing.subscribers_of(event_type), f"{svc.name} publishes {event_type} to nobody"
