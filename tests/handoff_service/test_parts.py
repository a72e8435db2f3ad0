"""Parts of the handoff service without a server: the time filter, labels, safe redirects,
the demo page text and code that must stay gone."""
import re
from pathlib import Path

import pytest

from handoff import notify, tickets, web
from handoff.routes import inbox as inbox_routes
from handoff.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stored, shown", [
    ("2024-07-01T10:05:30.123456Z", "2024-07-01 12:05"),  # summer time, UTC+2
    ("2024-01-15T23:30:00Z", "2024-01-16 00:30"),  # winter time, UTC+1, the next day
    ("2024-03-31T00:59:00", "2024-03-31 01:59"),  # the last minute before the clocks go forward
    ("2024-03-31T01:00:00", "2024-03-31 03:00"),
    ("2024-10-27T01:30:00Z", "2024-10-27 02:30"),  # after the clocks go back
    ("", ""),
    (None, ""),
])
def test_local_time_shows_amsterdam_time(stored, shown):
    assert web.local_time(stored) == shown


def test_statuses_and_levels_come_in_their_order():
    assert tickets.STATUSES == tuple(tickets.STATUS_LABELS) == ("nieuw", "in_behandeling", "afgesloten")
    assert tickets.LEVELS == tuple(tickets.LEVEL_LABELS) == ("laag", "verhoogd", "hoog")


@pytest.mark.parametrize("value", [None, "", "/", "//evil.example", "//inbox", "https://evil.example/inbox",
                                   "/\\evil.example", "inbox", " /inbox", "/admin"])
def test_login_redirects_only_to_inbox_paths(value):
    assert web.safe_next(value) == "/inbox"


@pytest.mark.parametrize("value", ["/inbox", "/inbox/tickets/ZS-ABC123", "/inbox?status=nieuw"])
def test_login_redirect_keeps_inbox_paths(value):
    assert web.safe_next(value) == value


@pytest.mark.parametrize("path, page", [
    ("/inbox/tickets/ZS-ABC123/status", "/inbox/tickets/ZS-ABC123"),
    ("/inbox/tickets/ZS-ABC123/notes", "/inbox/tickets/ZS-ABC123"),
    ("/inbox/logout", "/inbox"),
    ("/inbox", "/inbox"),
])
def test_page_of_a_form_action(path, page):
    assert web.page_of(path) == page


def test_ticket_errors_carry_a_code_for_the_inbox():
    with pytest.raises(tickets.TicketError) as caught:
        tickets.set_status(None, "ZS-ABC123", "paars", "iemand")
    assert caught.value.code == "status_onbekend"
    with pytest.raises(tickets.TicketError) as caught:
        tickets.add_note(None, "ZS-ABC123", "  ", "iemand")
    assert caught.value.code == "notitie_leeg"
    assert set(inbox_routes.TICKET_MESSAGES) >= {"opgeslagen", "notitie_leeg", "collega_onbekend", "status_onbekend",
                                                tickets.TicketError("x").code}


def test_demo_page_names_the_chat_button_by_its_label():
    widget = (ROOT / "web" / "src" / "widget.js").read_text(encoding="utf-8")
    label = re.search(r'this\.launcher = el\("button", \{.*?\}, "([^"]+)"\);', widget, re.S).group(1)
    demo = (ROOT / "handoff" / "templates" / "demo.html").read_text(encoding="utf-8")
    assert f"‘{label}’" in demo
    assert "rechtsonder" not in demo


def test_widget_css_defines_only_custom_properties_it_uses():
    css = (ROOT / "web" / "src" / "widget.css").read_text(encoding="utf-8")
    defined = set(re.findall(r"(--zs-[\w-]+)\s*:", css))
    used = set(re.findall(r"var\(\s*(--zs-[\w-]+)", css))
    assert defined and defined <= used, sorted(defined - used)


def test_email_names_the_risk_level():
    message = notify.email_message({"id": "ZS-ABC123", "urgent": False, "risk_level": "verhoogd"},
                                   Settings(notify_email="team@voorbeeldstad.nl"))
    assert "Risico: verhoogd" in message.get_content()
