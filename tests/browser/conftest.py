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


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Serious and critical axe-core violations on the current page (``impacts`` to see others)."""
    # Evaluated over the DevTools protocol, so the page's strict CSP stays on.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["url"].startswith("http")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


# -- the staff site (accounts, analytics, training) ----------------------------------------


@pytest.fixture(scope="module")
def staff_site(migrated_templates, tmp_path_factory):
    """accounts, analytics and training under gunicorn, shared by a test module (see staff_site.py)."""
    from .staff_site import start_staff_site

    yield from start_staff_site(migrated_templates("sqlite"), tmp_path_factory.mktemp("staff"))


class Watched:
    """A browser context on the staff site that records every request leaving it and every CSP report."""

    def __init__(self, browser, site, javascript: bool):
        self.site = site
        self.context, self.page = _page(browser, javascript)
        self.outside: list[str] = []
        self.console: list[str] = []
        self.page.on("request", lambda r: None if site.ours(r.url) else self.outside.append(r.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.console.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def check(self) -> None:
        assert self.outside == [], f"requests left the staff site: {self.outside}"
        csp = [m for m in self.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
        assert csp == [], f"CSP violations: {csp}"
        errors = [m for m in self.console if m.startswith("page error")]
        assert errors == [], errors


@pytest.fixture
def staff_browser(browser, staff_site):
    """staff_browser(javascript=True) -> a Watched context; checked for outside requests and CSP on teardown."""
    made: list[Watched] = []

    def _new(javascript: bool = True) -> Watched:
        watched = Watched(browser, staff_site, javascript)
        made.append(watched)
        return watched

    yield _new
    for watched in made:
        watched.context.close()
    for watched in made:
        watched.check()


def axe_violations_without_js(browser, page) -> list[dict]:
    """axe for a page open with JavaScript off, where axe itself cannot run (its promises never settle).

    The exact HTML the page received is served again, at the same address, to a fresh context with
    JavaScript on (assets still come from the real service), and axe runs there. Nothing is
    requested from the service for the page itself, so checking changes nothing.
    """
    html = page.content()
    url = page.url
    context = browser.new_context(java_script_enabled=True)
    context.set_default_timeout(20_000)
    try:
        twin = context.new_page()
        twin.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
        twin.goto(url)
        return axe_violations(twin)
    finally:
        context.close()
