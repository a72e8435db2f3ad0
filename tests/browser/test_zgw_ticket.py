"""The ticket page's part "Zaaksysteem" in Debian's Chromium, with the real handoff
service registering tickets in the ZGW stand-in: the zaak is named, the page has no
axe-core (WCAG 2.1 A/AA) violations and no Content-Security-Policy error, also at 360 px
(the zaak's long address wraps), a case system that is down shows a Dutch warning, and a
refusal shows an alert with the button "Opnieuw proberen", which works once the case
system is put right. Screenshot: build/test-output/zaak.png."""
import pytest

from tests.browser.conftest import OUTPUT, csp_watch, login, run_axe
from tests.handoff_service.conftest import post_ticket, ticket_body
from tests.zgw import conftest as zgw_fixtures
from tests.zgw.conftest import wait_until

pytestmark = pytest.mark.browser
zgw_server, zgw_service = zgw_fixtures.zgw_server, zgw_fixtures.zgw_service  # the ZGW tests' fixtures


def test_the_zaak_on_the_ticket_page(zgw_server, zgw_service, browser):
    body = ticket_body()
    assert post_ticket(zgw_service, body).status_code == 201
    held = wait_until(lambda: (lambda h: h if h["status"] else None)(zgw_server.of_ticket(body["id"])),
                      what="the registration")
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="nl-NL")
    page = context.new_page()
    try:
        problems = csp_watch(page)
        login(page, zgw_service, f"/inbox/tickets/{body['id']}")
        part = page.locator("h2#zaaksysteem")
        part.wait_for()
        assert part.inner_text() == "Zaaksysteem"
        text = page.locator("main").inner_text()
        assert f"Deze aanmelding staat in het zaaksysteem van de gemeente als zaak {body['id']}." in text
        assert held["zaak"][0]["url"] in text
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the URL wraps
        assert run_axe(page) == []
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.locator("h2#zaaksysteem").scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / "zaak.png"))
        assert problems == []
    finally:
        context.close()


def test_a_case_system_that_is_down_shows_a_warning(zgw_server, zgw_service, page):
    zgw_server.kill()
    try:
        body = ticket_body()
        assert post_ticket(zgw_service, body).status_code == 201
        login(page, zgw_service, f"/inbox/tickets/{body['id']}")

        def warned():
            page.reload()
            return "Nog niet gelukt" in page.locator("main").inner_text()

        wait_until(warned, what="the warning")
        warning = page.get_by_role("status").filter(has_text="Nog niet gelukt")
        assert "Het systeem probeert het later vanzelf opnieuw." in warning.inner_text()
        assert run_axe(page) == []
    finally:
        zgw_server.start()


def test_a_refusal_and_the_button_to_try_again(zgw_server, zgw_service, page):
    zgw_server.kill()
    zgw_server.start(refuse="POST /rollen")
    try:
        body = ticket_body()
        assert post_ticket(zgw_service, body).status_code == 201
        login(page, zgw_service, f"/inbox/tickets/{body['id']}")

        def refused():
            page.reload()
            return "Niet gelukt" in page.locator("main").inner_text()

        wait_until(refused, what="the refusal")
        alert = page.get_by_role("alert").filter(has_text="Niet gelukt")
        assert "het zaaksysteem weigert de gegevens van de ondernemer" in alert.inner_text()
        assert run_axe(page) == []
    finally:
        zgw_server.kill()
        zgw_server.start()
    page.get_by_role("button", name="Opnieuw proberen").click()
    page.get_by_text("Opgeslagen.").wait_for()

    def registered():
        page.reload()
        return "Niet gelukt" not in page.locator("main").inner_text() and bool(zgw_server.of_ticket(body["id"])["status"])

    wait_until(registered, what="the registration after the button")
    assert f"als zaak {body['id']}" in page.locator("main").inner_text()
