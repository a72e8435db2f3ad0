"""The chat widget on the demo page, in Debian's Chromium: typing, buttons, reload,
keyboard only, small screens, and an axe-core WCAG 2.1 A/AA scan."""
import json
import time

import pytest

from tests.browser.conftest import OUTPUT, run_axe

pytestmark = pytest.mark.browser


def bot_messages(page):
    return page.locator(".zs-msg--bot .zs-text")


def wait_for_bot_text(page, text, timeout=30000):
    page.locator(".zs-msg--bot .zs-text", has_text=text).last.wait_for(timeout=timeout)


def open_chat(page, stack):
    start = time.time()
    page.goto(stack.handoff.url + "/")
    page.get_by_role("button", name="Chat: zelfscan geldzorgen").click()
    wait_for_bot_text(page, "Wilt u de zelfscan doen?")
    return time.time() - start


def stored_id(page):
    return page.evaluate("JSON.parse(sessionStorage.getItem('zelfscan-chat') || 'null')?.sessionId || null")


def user_texts(stack, sender):
    return [e.get("text") for e in stack.tracker(sender)["events"] if e["event"] == "user"]


def test_scan_by_button_and_typing_then_reload_keeps_the_conversation(web_stack, page):
    seconds = open_chat(page, web_stack)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "figures.json").write_text(json.dumps({"first_bot_message_seconds": round(seconds, 2)}))
    page.get_by_role("button", name="Ja, start de scan").click()
    wait_for_bot_text(page, "Vraag 1 van")
    page.get_by_label("Uw bericht").fill("nee")
    page.get_by_label("Uw bericht").press("Enter")
    wait_for_bot_text(page, "Welke rechtsvorm")
    page.get_by_role("button", name="Eenmanszaak").click()
    wait_for_bot_text(page, "Hoe lang bent u al ondernemer?")
    page.screenshot(path=str(OUTPUT / "widget-mid-scan.png"))

    issued = stored_id(page)
    assert issued.startswith("web-") and ":" not in issued  # the id the server issued and confirmed
    page.reload()
    wait_for_bot_text(page, "Hoe lang bent u al ondernemer?")
    assert stored_id(page) == issued  # the server confirmed the same conversation again
    assert page.locator(".zs-msg--user", has_text="Eenmanszaak").count() == 1
    assert page.get_by_role("button", name="Eenmanszaak").is_disabled()  # answered
    assert page.get_by_role("button", name="Weet ik niet").last.is_enabled()  # the open question
    page.get_by_label("Uw bericht").fill("sinds 2019")
    page.get_by_label("Uw bericht").press("Enter")
    wait_for_bot_text(page, "Hoeveel uur per week")  # the server kept the session too
    assert user_texts(web_stack, issued)[-1] == "sinds 2019"

    # another page of the site keeps the conversation as well
    page.goto(web_stack.handoff.url + "/?andere-pagina")
    wait_for_bot_text(page, "Hoeveel uur per week")

    page.get_by_role("button", name="Nieuw gesprek").click()
    wait_for_bot_text(page, "Wilt u de zelfscan doen?")
    assert page.locator(".zs-msg--user").count() == 0


def test_start_by_typing_and_bot_html_is_not_rendered(web_stack, page):
    open_chat(page, web_stack)
    page.get_by_label("Uw bericht").fill("ik wil de zelfscan doen")
    page.get_by_label("Uw bericht").press("Enter")
    wait_for_bot_text(page, "anoniem")
    wait_for_bot_text(page, "Vraag 1 van")
    page.get_by_label("Uw bericht").fill("<img src=x onerror=alert(1)>")
    page.get_by_label("Uw bericht").press("Enter")
    wait_for_bot_text(page, "Antwoord met ja of nee")
    assert page.locator(".zs-log img").count() == 0
    assert page.locator(".zs-msg--user .zs-text", has_text="<img src=x").count() == 1


def test_keyboard_only(web_stack, page):
    page.goto(web_stack.handoff.url + "/")
    launcher = page.get_by_role("button", name="Chat: zelfscan geldzorgen")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('zs-launcher')"):
            break
    assert page.evaluate("document.activeElement.classList.contains('zs-launcher')")
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "zs-input"
    wait_for_bot_text(page, "Wilt u de zelfscan doen?")
    page.keyboard.type("start de scan")
    page.keyboard.press("Enter")
    wait_for_bot_text(page, "Vraag 1 van")
    # reach the "Nee" choice with Shift+Tab from the input, press Space
    for _ in range(15):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == "Nee":
            break
    assert page.evaluate("document.activeElement.textContent") == "Nee"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Space")
    wait_for_bot_text(page, "Welke rechtsvorm")
    assert page.evaluate("document.activeElement.id") == "zs-input"
    page.keyboard.press("Escape")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('zs-launcher')")


def test_live_region_and_labels(web_stack, page):
    open_chat(page, web_stack)
    log = page.locator(".zs-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert page.get_by_label("Uw bericht").is_visible()
    assert page.get_by_role("link", name="Lees hoe wij met uw gegevens omgaan").is_visible()


def test_small_screen_and_zoom_reflow(web_stack, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        open_chat(page, web_stack)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320
        box = page.locator(".zs-panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert page.get_by_label("Uw bericht").is_visible()
    finally:
        context.close()


def test_reduced_motion_stops_the_typing_animation(web_stack, browser):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(web_stack.handoff.url + "/")
        page.wait_for_selector(".zs-launcher")
        name = page.evaluate("getComputedStyle(document.querySelector('.zs-dots'), '::before').animationName")
        assert name == "none"
    finally:
        context.close()


def test_axe_finds_no_wcag_violations_mid_scan(web_stack, page):
    open_chat(page, web_stack)
    page.get_by_role("button", name="Ja, start de scan").click()
    wait_for_bot_text(page, "Vraag 1 van")
    violations = run_axe(page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "axe-demo-page.json").write_text(json.dumps(violations, indent=2))
    assert violations == []


def test_axe_on_the_staff_inbox(web_stack, page):
    from tests.handoff_service.conftest import post_ticket, ticket_body
    from tests.handoff_service.service import ADMIN

    body = ticket_body()
    post_ticket(web_stack.handoff, body)
    page.goto(web_stack.handoff.url + "/inbox/login")
    assert run_axe(page) == []
    page.get_by_label("Gebruikersnaam").fill(ADMIN[0])
    page.get_by_label("Wachtwoord").fill(ADMIN[1])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", name="Aanmeldingen").wait_for()
    assert run_axe(page) == []
    page.get_by_role("link", name=body["id"]).click()
    page.get_by_role("heading", name=f"Aanmelding {body['id']}").wait_for()
    assert run_axe(page) == []


def test_rest_fallback_when_websockets_are_blocked(web_stack, page):
    # a network that blocks websockets: socket.io cannot connect, the widget uses REST
    page.route_web_socket(lambda url: "socket.io" in url, lambda ws: ws.close())
    page.route("**/socket.io/**", lambda route: route.abort())
    page.goto(web_stack.handoff.url + "/")
    page.get_by_role("button", name="Chat: zelfscan geldzorgen").click()
    wait_for_bot_text(page, "Wilt u de zelfscan doen?", timeout=40000)
    page.get_by_role("button", name="Ja, start de scan").click()
    wait_for_bot_text(page, "Vraag 1 van")
    issued = stored_id(page)  # the REST fallback asked the server for an id first
    assert issued.startswith("web-") and user_texts(web_stack, issued) == ["/greet", "/start_scan"]


def test_connection_lost_is_announced(web_stack, page):
    open_chat(page, web_stack)
    # the network drops the websocket: socket.io sees a transport close and reconnects
    page.evaluate("window.zelfscanChat.socket.io.engine.transport.ws.close()")
    status = page.locator(".zs-status")
    status.filter(has_text="verbinding").wait_for(timeout=10000)
    assert status.get_attribute("role") == "status"
    page.locator(".zs-status", has_text="hersteld").wait_for(timeout=20000)


def test_chat_works_when_storage_is_blocked(web_stack, page):
    # privacy settings or a full quota: every write to the browser's storage fails
    page.add_init_script("Storage.prototype.setItem = () => { throw new DOMException('blocked', 'SecurityError'); };")
    open_chat(page, web_stack)
    assert page.evaluate("document.activeElement.id") == "zs-input"
    page.get_by_role("button", name="Ja, start de scan").click()
    wait_for_bot_text(page, "Vraag 1 van")


def test_reduced_motion_scrolls_the_log_without_animation_on_any_page(web_stack, browser):
    # scroll-behavior is not inherited, so the widget's rule only matters on a host page
    # that makes every element scroll smoothly
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(web_stack.handoff.url + "/")
        page.add_style_tag(content="* { scroll-behavior: smooth; }")
        dots = "getComputedStyle(document.querySelector('.zs-dots'), '::before').animationName"
        page.wait_for_function(f"{dots} === 'none'")  # the widget's stylesheet has loaded
        assert page.evaluate("getComputedStyle(document.querySelector('.zs-log')).scrollBehavior") == "auto"
    finally:
        context.close()


def test_a_new_tab_does_not_show_the_earlier_conversation(web_stack, page):
    # a shared computer: the next person opens the site in a new tab
    open_chat(page, web_stack)
    page.get_by_role("button", name="Ja, start de scan").click()
    wait_for_bot_text(page, "Vraag 1 van")
    page.reload()
    wait_for_bot_text(page, "Vraag 1 van")  # a reload keeps it
    other = page.context.new_page()
    other.goto(web_stack.handoff.url + "/")
    other.get_by_role("button", name="Chat: zelfscan geldzorgen").click()
    wait_for_bot_text(other, "Wilt u de zelfscan doen?")
    assert "Vraag 1 van" not in other.locator(".zs-log").inner_text()


def test_a_stored_id_the_server_did_not_issue_gets_a_new_conversation(web_stack, page):
    # someone puts another channel's conversation id (a WhatsApp user's number) in the
    # widget's storage: the server issues a new id and the other conversation stays empty
    victim = "whatsapp:+31612345678"
    page.goto(web_stack.handoff.url + "/")
    page.evaluate("""id => sessionStorage.setItem('zelfscan-chat', JSON.stringify({
        sessionId: id, open: false, greeted: true,
        messages: [{from: 'bot', text: 'Oud bericht uit een ander gesprek'}]}))""", victim)
    page.reload()
    page.get_by_role("button", name="Chat: zelfscan geldzorgen").click()
    wait_for_bot_text(page, "Wilt u de zelfscan doen?")
    issued = stored_id(page)
    assert issued.startswith("web-") and issued != victim
    assert page.locator(".zs-msg--bot", has_text="Oud bericht").count() == 0
    page.get_by_label("Uw bericht").fill("verwijder al mijn gegevens")
    page.get_by_label("Uw bericht").press("Enter")
    deadline = time.time() + 30
    while "verwijder al mijn gegevens" not in user_texts(web_stack, issued) and time.time() < deadline:
        time.sleep(0.3)
    assert "verwijder al mijn gegevens" in user_texts(web_stack, issued)
    assert user_texts(web_stack, victim) == []


def test_rest_fallback_with_an_unknown_stored_id_starts_a_new_conversation(web_stack, page):
    page.route_web_socket(lambda url: "socket.io" in url, lambda ws: ws.close())
    page.route("**/socket.io/**", lambda route: route.abort())
    page.goto(web_stack.handoff.url + "/")
    page.evaluate("""() => sessionStorage.setItem('zelfscan-chat', JSON.stringify({
        sessionId: 'web-00000000000000000000000000000000-00000000000000000000000000000000',
        open: true, greeted: true, messages: [{from: 'bot', text: 'Oud bericht'}]}))""")
    page.reload()
    page.locator(".zs-panel").wait_for()
    page.get_by_label("Uw bericht").fill("hallo")
    page.get_by_label("Uw bericht").press("Enter")
    page.locator(".zs-status", has_text="Er is een nieuw gesprek gestart.").wait_for(timeout=40000)
    page.locator(".zs-msg--bot").first.wait_for()
    issued = stored_id(page)
    assert issued.startswith("web-") and user_texts(web_stack, issued) == ["hallo"]
    assert page.locator(".zs-msg--bot", has_text="Oud bericht").count() == 0


def test_message_longer_than_the_limit_is_not_sent(web_stack, page):
    open_chat(page, web_stack)
    issued = stored_id(page)
    field = page.get_by_label("Uw bericht")
    assert field.get_attribute("maxlength") == "2000"
    field.evaluate("(el, text) => { el.removeAttribute('maxlength'); el.value = text; }", "a" * 2001)
    field.press("Enter")
    page.locator(".zs-status", has_text="Uw bericht is te lang.").wait_for()
    assert user_texts(web_stack, issued) == ["/greet"]


def test_a_page_in_the_je_form_gets_the_widgets_own_words_in_the_je_form(web_stack, page):
    """data-address-form="je" (the gemeente's address_form; the demo page sets it from the
    configuration): the widget's labels follow; here the page is changed on the way."""
    def informal(route):
        html = route.fetch().text().replace('data-address-form="u"', 'data-address-form="je"')
        route.fulfill(body=html, headers={"content-type": "text/html; charset=utf-8"})

    page.route(web_stack.handoff.url + "/", informal)
    page.goto(web_stack.handoff.url + "/")
    page.get_by_role("button", name="Chat: zelfscan geldzorgen").click()
    assert page.get_by_label("Je bericht").is_visible()
    assert page.get_by_role("link", name="Lees hoe wij met je gegevens omgaan").is_visible()
    assert "tot je zelf kiest" in page.locator("#zs-privacy").inner_text()
