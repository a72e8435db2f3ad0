"""The review page of messages not understood, in Debian's Chromium: zero axe-core
(WCAG 2.1 A/AA) violations with groups and reviewed messages on it, no Content-Security-
Policy errors, a whole group saved with the keyboard only, and the export link."""
import uuid
from datetime import date

import pytest
import requests

from handoff.stats import iso_week
from tests.browser.conftest import OUTPUT, csp_watch, login, run_axe
from tests.handoff_service.service import API_TOKEN, HandoffService

pytestmark = pytest.mark.browser
TEXTS = ["hoe vraag ik een lening aan", "hoe kan ik een lening aanvragen", "ik wil een lening aanvragen",
         "kan ik mijn btw later betalen", "kan ik de btw later betalen", "wat kost een kapper bij [naam]",
         "ik heb [bedrag] schuld bij de belastingdienst"]


@pytest.fixture(scope="module")
def review_service(tmp_path_factory):
    svc = HandoffService(tmp_path_factory.mktemp("review")).start()
    for text in TEXTS:
        answer = requests.post(svc.url + "/api/unrecognised", timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"},
                               json={"id": uuid.uuid4().hex, "text": text, "intent": "ask_bbz", "confidence": 0.3,
                                     "channel": "socketio", "week": iso_week(date.today()), "question": "total_debt"})
        assert answer.status_code == 201
    yield svc
    svc.stop()


def test_review_page_keyboard_and_axe(review_service, page):
    problems = csp_watch(page)
    login(page, review_service, "/inbox/leren")
    assert page.get_by_role("heading", level=1).inner_text() == "Niet begrepen berichten"
    assert page.get_by_role("link", name="Leren").count() == 1  # in the inbox navigation
    group_heading = page.get_by_role("heading", name="Groep 1: 3 berichten")
    assert group_heading.count() == 1

    # keyboard only: Tab to the first group's choice, pick an intent, Enter on the button
    choice = page.get_by_label("Bedoeling van alle 3 berichten in groep 1")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "groep-keuze-1":
            break
    assert page.evaluate("document.activeElement.id") == "groep-keuze-1"
    page.keyboard.type("Vraagt welke")  # a closed select takes type-ahead: the first option with that text
    assert choice.input_value() == "ask_help_options"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Opslaan voor de hele groep"
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/leren?m=opgeslagen")
    assert page.get_by_role("status").inner_text().strip() == "Opgeslagen."
    assert page.get_by_role("heading", name="Nagekeken (3)").count() == 1

    # one message on its own, so the page has every part: groups, single messages, the table
    page.get_by_label("Bedoeling van dit bericht").first.select_option("weglaten")
    page.get_by_role("button", name="Opslaan", exact=True).first.click()
    page.wait_for_url("**/inbox/leren?m=opgeslagen")

    violations = run_axe(page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "review.png"), full_page=True)
    assert violations == [], violations
    assert problems == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download de nagekeken berichten (3) als trainingsbestand").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith('version: "3.1"') and "- intent: ask_help_options" in text
    assert "hoe vraag ik een lening aan" in text


def test_review_page_at_320_px(review_service, browser):
    context = browser.new_context(viewport={"width": 320, "height": 700}, locale="nl-NL")
    page = context.new_page()
    try:
        login(page, review_service, "/inbox/leren")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320 + 1, width  # no sideways scrolling of the page
        assert run_axe(page) == []
    finally:
        context.close()
