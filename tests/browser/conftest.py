import os
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT
from tests.handoff_service.service import ADMIN

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUTPUT = ROOT / "build" / "test-output"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def web_stack(stack):
    return stack


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


def login(page, service, target, user=ADMIN):
    """Log in on the inbox's login page and wait for ``target`` (its path, any query)."""
    page.goto(service.url + "/inbox/login?next=" + target)
    page.get_by_label("Gebruikersnaam").fill(user[0])
    page.get_by_label("Wachtwoord").fill(user[1])
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**" + target.split("?")[0] + "*")


def csp_watch(page):
    """The Content-Security-Policy errors and script errors the page will report."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def run_axe(page):
    # loaded from the same origin, so the inbox's Content-Security-Policy allows it
    page.add_script_tag(url="/static/vendor/axe.min.js")
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
