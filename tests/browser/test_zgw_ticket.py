"""The ticket page's part "Zaaksysteem" in Debian's Chromium, with the real handoff
service registering tickets in the ZGW stand-in: the zaak is named, the page has no
axe-core (WCAG 2.1 A/AA) violations and no Content-Security-Policy error, also at 360 px
(the zaak's long address wraps), a case system that is down shows a Dutch warning, and a
refusal shows an alert with the button "Opnieuw proberen", which works once the case
system is put right. Screenshot: build/test-output/zaak.png."""
import pytest

from tests.browser.conftest import OUTPUT, run_axe
from tests.browser.test_dashboard import csp_watch, login
from tests.handoff_service.conftest import post_ticket, ticket_body
from tests.zgw.conftest import StandInProcess, service_with_zgw, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def case_system(tmp_path_factory):
    server = StandInProcess(tmp_path_factory.mktemp("zgw")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zgw_service(tmp_path_factory, case_system):
    svc = service_with_zgw(tmp_path_factory.mktemp("handoff-zgw"), case_system).start()
    yield svc
    svc.stop()


def test_the_zaak_on_the_ticket_page(case_system, zgw_service, browser):
    body = ticket_body()
    assert post_ticket(zgw_service, body).status_code == 201
    held = wait_until(lambda: (lambda h: h if h["status"] else None)(case_system.of_ticket(body["id"])),
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


def test_a_case_system_that_is_down_shows_a_warning(case_system, zgw_service, page):
    case_system.kill()
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
        case_system.start()


def test_a_refusal_and_the_button_to_try_again(case_system, zgw_service, page):
    case_system.kill()
    case_system.start(refuse="POST /rollen")
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
        case_system.kill()
        case_system.start()
    page.get_by_role("button", name="Opnieuw proberen").click()
    page.get_by_text("Opgeslagen.").wait_for()

    def registered():
        page.reload()
        return "Niet gelukt" not in page.locator("main").inner_text() and bool(case_system.of_ticket(body["id"])["status"])

    wait_until(registered, what="the registration after the button")
    assert f"als zaak {body['id']}" in page.locator("main").inner_text()
