"""The signal form, a signal ticket and the invitation letter in Debian's Chromium: a
colleague fills in the form with the keyboard and mouse as a person would, a refused form
lists every problem and keeps the input, no axe-core (WCAG 2.1 A/AA) violations, no
Content-Security-Policy violation, and the letter prints only the letter (print media).
Screenshots go to build/test-output/."""
import json
import re
import uuid

import pytest

from tests.browser.conftest import OUTPUT, csp_watch, login, run_axe
from tests.handoff_service.service import HandoffService

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def signal_service(tmp_path_factory):
    svc = HandoffService(tmp_path_factory.mktemp("signals")).start()
    yield svc
    svc.stop()


def axe_clean(page, name):
    violations = run_axe(page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / f"axe-{name}.json").write_text(json.dumps(violations, indent=2))
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    assert violations == [], violations


def test_a_colleague_passes_on_a_signal_and_prints_an_invitation(signal_service, page):
    problems = csp_watch(page)
    login(page, signal_service, "/inbox")
    page.get_by_role("link", name="Signaal doorgeven").click()
    page.wait_for_url("**/inbox/signalen")
    assert page.get_by_role("heading", level=1).inner_text() == "Signaal doorgeven"
    axe_clean(page, "signal-form")

    name = f"Karel {uuid.uuid4().hex[:6]}"
    page.get_by_label("Organisatie", exact=True).select_option("Sociale dienst Voorbeeldstad (Werk en Inkomen)")
    page.get_by_label("Naam van de contactpersoon").fill("Petra de Wit")
    page.get_by_label("Naam van de ondernemer").fill(name)
    page.get_by_label("Adres van de ondernemer of het bedrijf").fill("Dorpsstraat 1\n1234 AB Voorbeeldstad")
    page.get_by_label("Aanvraag voor een uitkering (Bbz of een andere uitkering)").check()
    page.get_by_role("button", name="Signaal doorgeven").click()

    # no phone or e-mail of the contact person, and no basis: refused, everything listed, input kept
    alert = page.get_by_role("alert")
    assert "Het signaal is niet opgeslagen." in alert.inner_text()
    assert "Geef aan op welke grond u het mag doorgeven" in alert.inner_text()
    assert "telefoonnummer of e-mailadres van de contactpersoon" in alert.inner_text()
    assert page.get_by_label("Naam van de ondernemer").input_value() == name
    assert page.get_by_label("Aanvraag voor een uitkering (Bbz of een andere uitkering)").is_checked()
    axe_clean(page, "signal-form-errors")
    # the summary's link takes the keyboard to the field
    page.get_by_role("link", name=re.compile("telefoonnummer of e-mailadres van de contactpersoon")).click()
    assert page.evaluate("document.activeElement.id") == "contact_phone"

    page.get_by_label("Telefoonnummer van de contactpersoon").fill("06 12345678")
    page.get_by_label(re.compile("^Wettelijke grondslag: Taak van algemeen belang: hulp aan zelfstandigen")).check()
    page.get_by_role("button", name="Signaal doorgeven").click()
    page.wait_for_url(re.compile(r".*/inbox/tickets/ZS-[A-Z0-9]+\?m=signaal"))
    reference = re.search(r"ZS-[A-Z0-9]+", page.url).group(0)
    text = page.locator("main").inner_text()
    assert "Risico nog niet bekend" in text and "Signaal van Sociale dienst Voorbeeldstad (Werk en Inkomen)" in text
    assert "Er is geen e-mailadres van de ondernemer bekend" in text
    axe_clean(page, "signal-ticket")

    page.get_by_role("button", name="Brief maken om te printen (met code)").click()
    page.wait_for_url("**/uitnodiging-brief")
    code = page.locator(".letter-code strong").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert page.get_by_role("button", name="Brief printen").is_visible()
    axe_clean(page, "invitation-letter")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Brief printen").is_visible()
    assert page.locator(".letter").is_visible() and name in page.locator(".letter-address").inner_text()
    page.pdf(path=str(OUTPUT / "invitation-letter.pdf"), format="A4")
    page.emulate_media(media="screen")

    page.get_by_role("link", name=f"← Terug naar aanmelding {reference}").click()
    assert "Uitgenodigd na signaal van Sociale dienst Voorbeeldstad" in page.locator("main").inner_text()
    page.get_by_role("link", name="Aanmeldingen", exact=True).click()
    page.get_by_label("Soort").select_option("signaal")
    page.get_by_role("button", name="Filter").click()
    assert reference in page.locator("table").inner_text()
    axe_clean(page, "inbox-signals")
    assert problems == []
