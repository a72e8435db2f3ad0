"""Anonymous scan records and the figures made from them: the action server's create-only
API with strict validation, no personal data in any stored field, small counts
suppressed, funnel and on-time figures on a known set, the dashboard's tables equal to
its CSV export and to `python -m handoff report`."""
import csv
import io
import uuid
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
import requests
import sqlalchemy

from handoff import stats, tickets
from handoff.db import Database
from handoff.tickets import local_today
from tests.handoff_service.conftest import logged_in, post_ticket, ticket_body
from tests.handoff_service.service import API_TOKEN
from tests.handoff_service.statistics_data import QUESTIONS, SETTINGS, add_record, add_ticket

MACHINE = {"Authorization": f"Bearer {API_TOKEN}"}
RECORD_COLUMNS = {"id", "week", "channel", "stopped_at", "risk_level", "urgent", "indications", "referrals",
                  "contact_asked", "ticket", "outcome", "outcome_partner", "days_to_first_contact", "contact_on_time",
                  "gemeente"}  # a regional service's gemeente id (empty with one gemeente)

RECORD_ROW = sqlalchemy.text("SELECT * FROM scan_records WHERE id = :i")
TICKET_LINK = sqlalchemy.text("SELECT scan_record FROM tickets WHERE id = :i")


def record_body(**overrides):
    body = {"id": uuid.uuid4().hex, "week": stats.iso_week(local_today()), "channel": "socketio",
            "stopped_at": "klaar", "risk_level": "hoog", "urgent": False, "indications": ["schuldhulp"],
            "referrals": ["schuldhulpverlening"], "contact_asked": True}
    body.update(overrides)
    return body


def post_record(service, body, headers=MACHINE):
    return requests.post(service.url + "/api/scan-records", json=body, headers=headers, timeout=10)


class Tables(HTMLParser):
    """The dashboard's tables by their data-table id: rows of cell texts (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.current = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(text):
    parser = Tables()
    parser.feed(text)
    return parser.tables


def test_record_api_is_create_only_and_strict(service):
    body = record_body()
    r = post_record(service, body)
    assert r.status_code == 201 and r.json() == {"id": body["id"], "created": True}
    again = post_record(service, dict(body, risk_level="laag"))
    assert again.status_code == 200 and again.json() == {"id": body["id"], "created": False}

    bad = [
        dict(body, id=uuid.uuid4().hex, name="Jan Jansen"),  # unknown field
        dict(body, id=uuid.uuid4().hex, conversation_id="web-123"),
        dict(body, id=uuid.uuid4().hex, stopped_at="ik wil stoppen"),  # free text
        dict(body, id=uuid.uuid4().hex, channel="fax"),
        dict(body, id=uuid.uuid4().hex, week="2026-11-30"),  # a date, not a week
        dict(body, id=uuid.uuid4().hex, week="2099-W01"),
        dict(body, id=uuid.uuid4().hex, risk_level="kritiek"),
        dict(body, id=uuid.uuid4().hex, indications=["schuldhulp", "Jan"]),
        dict(body, id=uuid.uuid4().hex, referrals=["onbekende_partner"]),
        dict(body, id=uuid.uuid4().hex, stopped_at="age"),  # abandoned but with a risk level
        dict(body, id=uuid.uuid4().hex, contact_asked="ja"),
        dict(body, id="kort"),
        dict(body, id="web-+31612345678-abcdef"),  # not a random id
        [body],
    ]
    for item in bad:
        r = post_record(service, item)
        assert r.status_code == 422, item
    ok = record_body(stopped_at="business_form", risk_level=None, indications=[], referrals=[], contact_asked=False)
    del ok["week"]  # the current week
    assert post_record(service, ok).status_code == 201

    # staff cannot create records; without a token nothing; the action token reads nothing
    s, _ = logged_in(service)
    assert s.post(service.url + "/api/scan-records", json=record_body(), timeout=10).status_code == 403
    assert post_record(service, record_body(), headers={}).status_code == 401
    for path in ("/api/scan-records", f"/api/scan-records/{body['id']}"):
        assert requests.get(service.url + path, headers=MACHINE, timeout=10).status_code == 403
    for path in ("/inbox/dashboard", "/inbox/dashboard.csv?tabel=overzicht"):
        r = requests.get(service.url + path, headers=MACHINE, timeout=10, allow_redirects=False)
        assert r.status_code in (302, 303) and "/inbox/login" in r.headers["location"]


def test_the_record_holds_no_personal_data_and_survives_erasure(service):
    conversation = "whatsapp:+31687654321"
    contact = {"name": "Fenna Vrieswijk", "phone": "+31687654321", "email": "fenna@example.nl",
               "preference": "dinsdagochtend"}
    record = record_body(channel="twilio")
    body = ticket_body(conversation_id=conversation, contact=contact, scan_record=record["id"],
                       summary="Fenna Vrieswijk heeft een kapsalon.", risk_level="hoog")
    assert post_ticket(service, body).status_code == 201  # the ticket may come first
    assert post_record(service, record).status_code == 201
    s, _ = logged_in(service)
    csrf = s.get(service.url + "/inbox", timeout=10).text.split('name="csrf_token" value="')[1].split('"')[0]
    r = s.post(service.url + f"/api/tickets/{body['id']}/outcome", headers={"X-CSRF-Token": csrf}, timeout=10,
               json={"outcome": "doorverwezen", "partner": "over_rood", "first_contact_at": local_today().isoformat()})
    assert r.status_code == 200

    engine = sqlalchemy.create_engine(service.database_url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in sqlalchemy.inspect(conn).get_columns("scan_records")}
            row = conn.execute(RECORD_ROW, {"i": record["id"]}).mappings().one()
            link = conn.execute(TICKET_LINK, {"i": body["id"]}).scalar()
            traces = conn.execute(sqlalchemy.text("SELECT COUNT(*) FROM audit_log WHERE detail LIKE :i OR ticket_id = :i"),
                                  {"i": f"%{record['id']}%"}).scalar()
        assert columns == RECORD_COLUMNS and traces == 0
        assert row["ticket"] and row["contact_asked"] and row["outcome"] == "doorverwezen"
        assert row["outcome_partner"] == "over_rood" and row["days_to_first_contact"] == 0 and row["contact_on_time"]
        assert row["week"] == stats.iso_week(local_today())
        assert link == record["id"]
        # every stored field: nothing of the person, the conversation, the ticket or the day
        personal = [conversation, "31687654321", "687654321", "Fenna", "Vrieswijk", "fenna@", "example.nl",
                    "dinsdag", "kapsalon", body["id"], local_today().isoformat()]
        for column, value in row.items():
            for secret in personal:
                assert secret.lower() not in str(value).lower(), (column, secret)

        # erasure: the ticket's personal data and its link go, the record stays as it was
        requests.post(service.url + "/api/erasures", json={"conversation_id": conversation}, headers=MACHINE,
                      timeout=10).raise_for_status()
        with engine.connect() as conn:
            link = conn.execute(TICKET_LINK, {"i": body["id"]}).scalar()
            after = conn.execute(RECORD_ROW, {"i": record["id"]}).mappings().one()
        assert link is None and dict(after) == dict(row)
    finally:
        engine.dispose()


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'stats.db'}", "a-key-for-the-test")
    database.create()
    return database


def tables_of(db, start, end, min_count=5):
    labels = {k: o.label for k, o in SETTINGS.outcomes.items()}
    return {t.id: t for t in stats.figures(db, start, end, min_count, stats.catalogue_questions(), labels,
                                           SETTINGS.partner_names)}


def test_funnel_and_on_time_on_a_known_set(db):
    monday = date(2026, 10, 5)  # week 41
    week = stats.iso_week(monday)
    for _ in range(6):
        add_record(db, week, QUESTIONS[0])  # stopped at the first question
    for _ in range(5):
        add_record(db, week, QUESTIONS[3])
    finished = [add_record(db, week, "klaar", "hoog" if i < 10 else "laag", contact_asked=i < 16)
                for i in range(20)]
    made = datetime(2026, 10, 5, 9, 0)  # Monday; hoog is promised within 2 working days (Wednesday)
    for i in range(6):  # on time: contact on Tuesday
        add_ticket(db, finished[i], made, "hoog", first_contact=date(2026, 10, 6), outcome="bbz_aangevraagd")
    for i in range(6, 10):  # late: contact the next Monday (5 working days)
        add_ticket(db, finished[i], made, "hoog", first_contact=date(2026, 10, 12), outcome="schuldhulp_gestart")
    for i in range(10, 16):  # laag is promised within 5 working days: Friday of the next week is late
        add_ticket(db, finished[i], made, "laag", first_contact=date(2026, 10, 9 if i < 15 else 16),
                   outcome="geen_hulp_nodig")

    t = tables_of(db, monday, monday + timedelta(days=6))
    funnel = {row[0].split(". ", 1)[-1]: row[1:] for row in t["trechter"].rows}
    topics = dict(stats.catalogue_questions())
    assert funnel[topics[QUESTIONS[0]]] == [31, 6]
    assert funnel[topics[QUESTIONS[1]]] == [25, 0]
    assert funnel[topics[QUESTIONS[3]]] == [25, 5]
    assert funnel[topics[QUESTIONS[4]]] == [20, 0]
    assert funnel["Uitslag gezien"] == [20, "–"]

    summary = {row[0]: row[1:] for row in t["overzicht"].rows}
    assert summary["Scans begonnen"] == [31, "–"]
    assert summary["Scans afgemaakt"] == [20, "65%"]
    assert summary["Aanmeldingen"] == [16, "–"]
    assert summary["Eerste contact op tijd"] == [11, "69%"]  # 6 + 5 of 16
    on_time = {row[0]: row[1:] for row in t["op_tijd"].rows}
    assert on_time["Hoog risico"] == [10, 6, "<5", "60%"]  # 4 late is a small count
    assert on_time["Overig"] == [6, 5, "<5", "83%"]
    assert on_time["Urgent (1 werkdag)"] == [0, 0, 0, "–"]
    assert on_time["Totaal"] == [16, 11, 5, "69%"]
    outcomes = {row[0]: row[1:] for row in t["uitkomsten"].rows}
    assert outcomes["Bbz aangevraagd"] == [0, 0, 6, 6]
    assert outcomes["Schuldhulp gestart"] == [0, 0, "<5", "<5"]
    assert outcomes["Geen hulp nodig"] == [6, 0, 0, 6]

    # the record knows the working days to the first contact
    engine = db.engine
    with engine.connect() as conn:
        days = sorted(conn.execute(sqlalchemy.text(
            "SELECT days_to_first_contact FROM scan_records WHERE days_to_first_contact IS NOT NULL")).scalars())
    assert days == [1] * 6 + [4] * 5 + [5] * 4 + [9]


def test_small_counts_are_suppressed_everywhere(db):
    monday = date(2026, 10, 12)
    week = stats.iso_week(monday)
    for _ in range(3):
        add_record(db, week, "klaar", "hoog", indications=["ioaz"], contact_asked=True)
    for _ in range(7):
        add_record(db, week, "klaar", "laag")
    t = tables_of(db, monday, monday + timedelta(days=6))
    risk = t["risico"].rows[0]
    assert risk == [week, 7, 0, "<5"]
    assert t["indicaties"].rows[0][t["indicaties"].columns.index("IOAZ")] == "<5"
    contact = t["contact"].rows[0]
    assert contact == [week, 10, "<5", "verborgen"]
    text = stats.to_text(list(t.values()), monday, monday + timedelta(days=6), 5)
    assert "<5" in text and " 3 " not in text
    for table in t.values():
        for row in table.rows:
            for cell in row[1:]:
                assert not (isinstance(cell, int) and 0 < cell < 5), (table.id, row)
        assert "3" not in [c for line in csv.reader(io.StringIO(stats.to_csv(table)), delimiter=";") for c in line]
    # another threshold
    t10 = tables_of(db, monday, monday + timedelta(days=6), min_count=10)
    assert t10["risico"].rows[0] == [week, "<10", 0, "<10"]


def test_dashboard_tables_match_the_csv_export_and_the_report(service):
    engine_db = Database(service.database_url, "not-used-here")
    monday = local_today() - timedelta(days=local_today().weekday(), weeks=1)
    week = stats.iso_week(monday)
    for _ in range(8):
        add_record(engine_db, week, "klaar", "verhoogd", referrals=["over_rood"], contact_asked=True)
    for _ in range(2):
        add_record(engine_db, week, QUESTIONS[2])
    engine_db.engine.dispose()

    s, _ = logged_in(service)
    period = f"van={monday.isoformat()}&tot={(monday + timedelta(days=6)).isoformat()}"
    page = s.get(service.url + "/inbox/dashboard?" + period, timeout=10)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/static/vendor/dashboard.js"' in page.text and "<script>" not in page.text
    tables = page_tables(page.text)
    assert set(tables) == {"overzicht", "trechter", "risico", "indicaties", "verwijzingen", "contact", "op_tijd",
                           "uitkomsten", "herkomst"}
    for table_id, rows in tables.items():
        r = s.get(service.url + f"/inbox/dashboard.csv?tabel={table_id}&{period}", timeout=10)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        exported = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
        assert exported == rows, table_id
    assert {row[0]: row[1:] for row in tables["risico"]}[week] == ["0", "8", "0"]
    assert {row[0]: row[1:] for row in tables["contact"]}[week] == ["10", "8", "80%"]
    assert tables["verwijzingen"][0] == ["Week", "Over Rood"]
    assert tables["trechter"][3][2] == "<5"  # two stopped at the third question

    report = service.cli("report", "--from", monday.isoformat(), "--to", (monday + timedelta(days=6)).isoformat())
    assert report.returncode == 0, report.stderr
    for title in ("Overzicht van de periode", "Waar stoppen ondernemers? (trechter)", "Eerste contact op tijd"):
        assert title in report.stdout
    risk_part = report.stdout.split("Risico per week")[1].split("\n\n")[0]
    assert next(x for x in risk_part.splitlines() if x.startswith(week)).split() == [week, "0", "8", "0"]
    assert next(x for x in report.stdout.splitlines() if x.startswith("Scans begonnen")).split() == [
        "Scans", "begonnen", "10", "–"]
    assert "<5" in report.stdout.split("(trechter)")[1]
    assert s.get(service.url + "/inbox/dashboard.csv?tabel=bestaat-niet", timeout=10).status_code == 404


def test_purge_keeps_the_records(db):
    rid = add_record(db, "2026-W30", "klaar", "hoog", contact_asked=True)
    reference = add_ticket(db, rid, datetime(2026, 7, 21, 10, 0), "hoog", first_contact=date(2026, 7, 22),
                           outcome="schuldhulp_gestart")
    tickets.purge(db, 30, None)
    with db.engine.connect() as conn:
        link = conn.execute(sqlalchemy.text("SELECT scan_record FROM tickets WHERE id = :i"), {"i": reference}).scalar()
        kept = conn.execute(sqlalchemy.text("SELECT outcome, contact_on_time FROM scan_records WHERE id = :i"),
                            {"i": rid}).one()
    assert link is None and tuple(kept) == ("schuldhulp_gestart", True)
