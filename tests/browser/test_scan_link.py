"""A personal scan link in Chromium: the page opened with ?scan=<token> opens the chat,
the bot checks the link and starts the scan, the address no longer shows the token; the
finished scan is attached to the ticket, and staff see both scans side by side (axe-clean)."""
import re

import pytest

from handoff import scan_links
from handoff.db import Database
from tests.browser.conftest import OUTPUT, csp_watch, login, run_axe
from tests.handoff_service.conftest import post_ticket, ticket_body

pytestmark = pytest.mark.browser


def bot_count(page):
    return page.locator(".zs-msg--bot .zs-text").count()


def last_bot_text(page):
    return page.locator(".zs-msg--bot .zs-text").last.inner_text()


def issue_link(stack, ticket_id):
    key = (stack.handoff.var_dir / "secrets" / "HANDOFF_ERASURE_KEY").read_text().strip()
    db = Database(stack.handoff.database_url, key)
    try:
        return scan_links.issue(db, ticket_id, "vervolg", 30)
    finally:
        db.engine.dispose()


def test_the_personal_link_starts_the_scan_and_staff_see_both_scans(web_stack, page):
    body = ticket_body(risk_level="hoog", risk_score=70, follow_up_consent=True,
                       contact={"name": "Jan Jansen", "email": "jan@voorbeeld.nl"},
                       answers_readable=[{"id": "acute_measures", "question": "Is er nu beslag, een deurwaarder?",
                                          "answer": "Ja"}], answer_points={"acute_measures": 15})
    assert post_ticket(web_stack.handoff, body).status_code == 201
    token, _code = issue_link(web_stack, body["id"])
    problems = csp_watch(page)

    page.goto(web_stack.handoff.url + "/?scan=" + token)
    page.locator(".zs-msg--bot .zs-text", has_text="persoonlijke link").wait_for()
    page.locator(".zs-msg--bot .zs-text", has_text="Vraag 1 van").wait_for()
    assert "scan=" not in page.url and token not in page.url  # out of the address and the history
    assert token not in page.content()

    # answer every question with "weet ik niet" until the outcome
    box = page.get_by_label("Uw bericht")
    for _ in range(40):
        if page.locator(".zs-msg--bot .zs-text", has_text="Uw nieuwe antwoorden zijn bij de gemeente").count():
            break
        before = bot_count(page)
        box.fill("weet ik niet")
        box.press("Enter")
        page.wait_for_function(f"document.querySelectorAll('.zs-msg--bot .zs-text').length > {before}")
        page.wait_for_function("""() => {
            const all = document.querySelectorAll('.zs-msg--bot .zs-text');
            const last = all[all.length - 1].textContent;
            return /Vraag \\d+ van|contact met u opneemt|nieuwe antwoorden/.test(last);
        }""")
    page.locator(".zs-msg--bot .zs-text", has_text="Uw nieuwe antwoorden zijn bij de gemeente").wait_for()

    login(page, web_stack.handoff, f"/inbox/tickets/{body['id']}")
    section = page.locator("section.inbox-compare")
    section.wait_for()
    text = section.inner_text()
    assert re.search(r"Het risico is (gedaald \(beter\)|gelijk gebleven)", text)
    assert "Is er nu beslag, een deurwaarder?" in text and "Eerste scan" in text
    assert page.get_by_role("cell", name="Gebruikt").count() == 1
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "ticket-follow-up.png"), full_page=True)
    assert run_axe(page) == []
    assert problems == []
