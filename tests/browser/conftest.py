"""A live intake (gunicorn) with real workers and Redis, and headless Debian Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..intake.live import start_intake_web

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def backend():
    """Browser tests run on the embedded default (SQLite); the backends are covered elsewhere."""
    return "sqlite"


@pytest.fixture
def env(databases, private_redis, tmp_path):
    from ..conftest import base_env

    return base_env(databases, private_redis.url, tmp_path)


@pytest.fixture
def live_intake(env, stack_factory):
    stack = stack_factory(env)
    stack.start_all()
    return start_intake_web(stack)


@pytest.fixture
def browser():
    # A browser test never skips quietly: a machine without Chromium fails here, with the fix.
    from playwright import sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `sudo apt-get install chromium chromium-driver` "
                    "(make test does this for you when it runs as root)")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _page(browser, javascript: bool):
    context = browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(20_000)
    # Nothing may be fetched from anywhere but intake itself.
    return context, context.new_page()


@pytest.fixture
def page(browser, live_intake):
    context, page = _page(browser, True)
    outside = []
    page.on("request", lambda r: None if r.url.startswith(live_intake) else outside.append(r.url))
    yield page
    context.close()
    assert outside == [], f"requests left the site: {outside}"


@pytest.fixture
def page_without_js(browser, live_intake):
    context, page = _page(browser, False)
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    # Evaluated over the DevTools protocol, so the page's strict CSP stays on.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["url"].startswith("http")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
