"""'Bewaar uw uitkomst' in Debian's Chromium: a whole scan in the widget, the button opens
the result page in a new tab; the page shows the date, the result, the answers that weighed
most, the indications and the contact details; no axe-core (WCAG 2.1 A/AA) violation, no
Content-Security-Policy violation; on paper no buttons; the handoff service's database and
log got nothing from it. Also a broken link and the comparison with an earlier result."""
import json
import re
import sqlite3
import time
from datetime import timedelta

import pytest
import requests

from actions.gemeente import dutch_today, gemeente
from actions.outcome.result import build_outcome
from actions.outcome.saved_result import build_document as build_saved
from actions.outcome.saved_result import decode, encode
from scripts.benchmark_load import answer_text, load_questions, which_question
from tests.browser.conftest import OUTPUT, run_axe
from tests.browser.test_dashboard import csp_watch
from tests.handoff_service.service import HandoffService
from tests.profiles import HEALTHY, STOPPING_AT_58

pytestmark = pytest.mark.browser
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
PROFILE = STOPPING_AT_58  # indications (IOAZ, Bbz), a next step and partners
MAX_TURNS = 60


def dutch_date(day):
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def bot_texts_after(page, user_count):
    """Texts of the bot messages after the user's message number ``user_count``."""
    return page.evaluate(
        """n => { const items = [...document.querySelectorAll('.zs-log .zs-msg')];
            const users = items.filter(i => i.classList.contains('zs-msg--user'));
            const start = n ? items.indexOf(users[n - 1]) + 1 : 0;
            return items.slice(start).filter(i => i.classList.contains('zs-msg--bot'))
                .map(i => (i.querySelector('.zs-text') || {}).textContent || ''); }""", user_count)


def wait_for_turn(page, user_count):
    """The bot has answered message ``user_count`` with a question, or the outcome is
    complete (the save link and the contact offer after it)."""
    page.wait_for_function(
        """n => { const items = [...document.querySelectorAll('.zs-log .zs-msg')];
            const users = items.filter(i => i.classList.contains('zs-msg--user'));
            if (users.length < n) return false;
            const bots = items.slice(items.indexOf(users[n - 1]) + 1).filter(i => i.classList.contains('zs-msg--bot'));
            const save = bots.findIndex(i => i.querySelector('.zs-save'));
            if (save >= 0) return bots.length > save + 1;
            return bots.some(i => /^Vraag \\d+ van \\d+\\./.test((i.querySelector('.zs-text') || {}).textContent || ''));
        }""", arg=user_count, timeout=60000)


def say(page, text):
    page.get_by_label("Uw bericht").fill(text)
    page.get_by_label("Uw bericht").press("Enter")


def finish_scan(page, stack, answers):
    questions = load_questions()
    page.goto(stack.handoff.url + "/")
    page.get_by_role("button", name="Chat: zelfscan geldzorgen").click()
    page.locator(".zs-msg--bot .zs-text", has_text="Wilt u de zelfscan doen?").wait_for()
    previous = None
    say(page, "ik wil de zelfscan doen")
    for turn in range(1, MAX_TURNS):
        try:
            wait_for_turn(page, turn)
        except Exception as exc:
            raise AssertionError("no question and no outcome; the chat ends with:\n"
                                 + page.locator(".zs-log").inner_text()[-1500:]) from exc
        texts = bot_texts_after(page, turn)
        if page.locator(".zs-save").count():
            return texts
        asked = next(q for q in (which_question(t, questions) for t in reversed(texts)) if q)
        say(page, "weet ik niet" if asked.id == previous else answer_text(asked, answers.get(asked.id)))
        previous = asked.id
    raise AssertionError("the scan did not end")


def snapshot(database_url):
    """Every row of every table of the handoff service's SQLite database."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}


def scan_record_count(database_url):
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        return db.execute("SELECT COUNT(*) FROM scan_records").fetchone()[0]


def test_save_the_result_from_the_widget(web_stack, page):
    handoff = web_stack.handoff
    records_before = scan_record_count(handoff.database_url)
    texts = finish_scan(page, web_stack, PROFILE)
    chat_result = next(t for t in texts if t.startswith("Uw uitkomst:"))

    link = page.get_by_role("link", name="Bewaar uw uitkomst")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    href = link.get_attribute("href")
    assert href.startswith(handoff.url + "/uitkomst#v1.")
    assert page.locator(".zs-text", has_text="/uitkomst#").count() == 0  # the long link is not shown as text
    doc = decode(href.split("#", 1)[1])
    assert doc["m"] == chat_result  # the page holds what the chat said
    # keyboard: the link is reachable with Tab and has an accessible name
    link.focus()
    assert page.evaluate("document.activeElement.classList.contains('zs-save')")

    # the anonymous scan record of the outcome arrives by itself (outbox); then nothing else may change
    deadline = time.time() + 30
    while scan_record_count(handoff.database_url) == records_before and time.time() < deadline:
        page.wait_for_timeout(100)
    assert scan_record_count(handoff.database_url) == records_before + 1, "the scan record never arrived"
    before, log_before = snapshot(handoff.database_url), handoff.log

    with page.context.expect_page() as opened:
        link.click()
    result = opened.value
    problems = csp_watch(result)
    result.get_by_role("heading", name="Uw uitkomst van de zelfscan").wait_for()
    content = result.locator("#uitkomst")
    content.wait_for()
    text = content.inner_text()
    assert f"Datum van de scan: {dutch_date(dutch_today())}" in text
    assert doc["m"] in text
    outcome = build_outcome(PROFILE, gemeente(), dutch_today())
    assert doc["l"] == outcome.score.level
    for w in doc["zw"]:
        assert w["r"] in text and w["a"] in text
    assert doc["i"] and [i.id for i in outcome.indications] == [i["id"] for i in doc["i"]]
    for ind in doc["i"]:
        assert ind["t"] in text
        for reason in ind["y"]:
            assert reason in text
    loket = gemeente().loket
    for detail in (loket.name, loket.phone, loket.email, loket.web):
        assert detail in text
    for partner in doc["p"]:
        assert partner["n"] in text
    afdrukken = result.get_by_role("button", name="Afdrukken of opslaan als PDF")
    assert afdrukken.is_visible()
    assert run_axe(result) == []

    OUTPUT.mkdir(parents=True, exist_ok=True)
    result.screenshot(path=str(OUTPUT / "uitkomst.png"), full_page=True)
    result.emulate_media(media="print")
    assert not afdrukken.is_visible()
    assert not result.locator("#vergelijk-form").is_visible()
    assert result.get_by_text(loket.phone).first.is_visible()
    pdf = result.pdf(format="A4")
    (OUTPUT / "uitkomst.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 2, pages  # readable on one or two A4 pages
    result.emulate_media(media="screen")
    assert problems == []

    # nothing reached the handoff service: the same rows, and no new log line about it
    assert snapshot(handoff.database_url) == before
    new_log = handoff.log[len(log_before):]
    assert "uitkomst" not in new_log and href.split("#", 1)[1][:40] not in handoff.log


@pytest.fixture(scope="module")
def page_service(tmp_path_factory):
    """The handoff service alone: the page needs nothing else."""
    svc = HandoffService(tmp_path_factory.mktemp("uitkomst")).start()
    yield svc
    svc.stop()


def test_the_page_itself_carries_no_result_and_a_strict_policy(page_service):
    response = requests.get(page_service.url + "/uitkomst", timeout=10)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in response.text  # no inline script: only /static/uitkomst.js


def test_a_broken_or_empty_link_gets_a_dutch_message(page_service, page):
    url = page_service.url + "/uitkomst"
    good = encode(build_saved(HEALTHY, build_outcome(HEALTHY, gemeente(), dutch_today()), gemeente()))
    page.goto(url + "#" + good[:-30])
    error = page.get_by_role("alert").filter(has_text="Deze link is niet compleet of klopt niet.")
    error.wait_for()
    assert page.locator("#uitkomst").is_hidden()
    assert run_axe(page) == []
    page.goto(url)
    page.get_by_role("alert").filter(has_text="Er staat geen uitkomst in deze link.").wait_for()


def test_compare_with_an_earlier_result(page_service, page):
    config = gemeente()
    earlier_day = dutch_today() - timedelta(days=60)
    earlier = build_saved(PROFILE, build_outcome(PROFILE, config, earlier_day), config)
    now = build_saved(HEALTHY, build_outcome(HEALTHY, config, dutch_today()), config)
    assert now["s"] < earlier["s"]
    url = page_service.url + "/uitkomst"
    problems = csp_watch(page)
    page.goto(url + "#" + encode(now))
    page.locator("#uitkomst").wait_for()
    page.get_by_label("Link van de eerdere uitkomst").fill("https://elders.example/niet-goed")
    page.get_by_role("button", name="Vergelijk").click()
    page.get_by_role("alert").filter(has_text="Deze link kan niet worden vergeleken.").wait_for()
    page.get_by_label("Link van de eerdere uitkomst").fill(url + "#" + encode(earlier))
    page.get_by_role("button", name="Vergelijk").click()
    table = page.get_by_role("table", name="Eerdere en latere uitkomst naast elkaar")
    table.wait_for()
    headers = table.locator("thead th").all_inner_texts()
    assert headers[1:] == [f"Scan van {dutch_date(earlier_day)}", f"Scan van {dutch_date(dutch_today())}"]
    assert page.get_by_text("Uw risico is nu lager dan bij de eerdere scan.").is_visible()
    rows = {r[0]: r[1:] for r in json.loads(page.evaluate(
        "JSON.stringify([...document.querySelectorAll('.uitkomst-tabel tbody tr')].map(tr => [...tr.children].map(c => c.textContent)))"))}
    assert rows["Punten (hoe meer, hoe hoger het risico)"] == [f"{earlier['s']} van de 100", f"{now['s']} van de 100"]
    assert run_axe(page) == []
    assert problems == []


def test_the_page_speaks_as_the_gemeente_chose(page_service, page):
    from dataclasses import replace

    je = replace(gemeente(), address_form="je")
    doc = build_saved(PROFILE, build_outcome(PROFILE, je, dutch_today()), je)
    page.goto(page_service.url + "/uitkomst#" + encode(doc))
    page.get_by_role("heading", name="Je uitkomst van de zelfscan").wait_for()
    text = page.locator("#uitkomst").inner_text()
    assert "Dit past bij je antwoorden:" in text and "Wat kun je nu doen?" in text
    assert doc["m"] in text and doc["m"].startswith("Je uitkomst")
    assert page.get_by_text("Heb je de zelfscan eerder gedaan").is_visible()
