"""The staff dashboard in Debian's Chromium, on generated anonymous data: every chart
shows the numbers of its table, no axe-core (WCAG 2.1 A/AA) violations, no
Content-Security-Policy violation; the screenshot goes to build/test-output/dashboard.png.
Also the inbox with an overdue ticket and the ticket page's outcome forms."""
import json
import time

import pytest

from handoff.db import Database
from tests.browser.conftest import OUTPUT, csp_watch, login, run_axe
from tests.handoff_service.service import HandoffService
from tests.handoff_service.statistics_data import generate

pytestmark = pytest.mark.browser
CHARTS = {"trechter", "risico", "indicaties", "verwijzingen", "contact", "op_tijd", "uitkomsten"}


@pytest.fixture(scope="module")
def dashboard_service(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dashboard")
    svc = HandoffService(workdir)
    db = Database(svc.database_url, "generated-data-key")
    db.create()
    generate(db, weeks=13, seed=11)
    db.engine.dispose()
    svc.start()
    yield svc
    svc.stop()


def table_cells(page, table_id):
    return page.evaluate(
        """id => [...document.querySelectorAll(`table[data-table="${id}"] tr`)].map(
            tr => [...tr.children].map(c => c.textContent.trim()))""", table_id)


def chart_data(page, table_id):
    return page.evaluate(
        """id => { const c = window.zelfscanCharts[id];
            return {type: c.config.type, labels: c.data.labels,
                    datasets: c.data.datasets.map(d => ({label: d.label, data: d.data}))}; }""", table_id)


def as_number(text):
    return int(text.rstrip("%")) if text.rstrip("%").isdigit() else None


def test_dashboard_charts_match_tables_and_pass_axe(dashboard_service, page):
    problems = csp_watch(page)
    login(page, dashboard_service, "/inbox/dashboard")
    page.wait_for_function("window.zelfscanCharts && Object.keys(window.zelfscanCharts).length === 7")
    assert page.get_by_role("heading", level=1).inner_text() == "Cijfers van de zelfscan"

    drawn = page.evaluate("Object.keys(window.zelfscanCharts)")
    assert set(drawn) == CHARTS
    compared = {}
    for table_id in CHARTS:
        cells = table_cells(page, table_id)
        header, rows = cells[0], cells[1:]
        series = [int(i) for i in page.get_attribute(f'table[data-table="{table_id}"]', "data-series").split(",")]
        limit = page.get_attribute(f'table[data-table="{table_id}"]', "data-chart-rows")
        if limit:
            rows = rows[: int(limit)]
        chart = chart_data(page, table_id)
        assert chart["labels"] == [row[0] for row in rows], table_id
        assert [d["label"] for d in chart["datasets"]] == [header[i] for i in series], table_id
        for dataset, column in zip(chart["datasets"], series, strict=True):
            assert dataset["data"] == [as_number(row[column]) for row in rows], (table_id, dataset["label"])
        compared[table_id] = sum(1 for d in chart["datasets"] for v in d["data"] if v is not None)
        # the chart is really drawn on its canvas (not an empty element)
        assert page.evaluate(f"document.getElementById('grafiek-{table_id}').width") > 100
    assert all(n > 0 for n in compared.values()), compared

    # small counts are hidden in the table and left out of the chart
    cells = [c for table_id in CHARTS for row in table_cells(page, table_id)[1:] for c in row[1:]]
    assert "<5" in cells
    assert not any(c.isdigit() and 0 < int(c) < 5 for c in cells)

    violations = run_axe(page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "axe-dashboard.json").write_text(json.dumps(violations, indent=2))
    assert violations == []
    page.screenshot(path=str(OUTPUT / "dashboard.png"), full_page=True)
    assert problems == []


def test_dashboard_period_and_narrow_screen(dashboard_service, browser):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="nl-NL")
    page = context.new_page()
    try:
        login(page, dashboard_service, "/inbox/dashboard")
        page.get_by_label("Van", exact=True).fill("2026-01-05")
        page.get_by_label("Tot en met", exact=True).fill("2026-01-11")
        page.get_by_role("button", name="Toon de cijfers").click()
        page.wait_for_function("window.zelfscanCharts && Object.keys(window.zelfscanCharts).length === 7")
        assert "weken 2026-W02 tot en met 2026-W02" in page.inner_text("main")
        assert table_cells(page, "overzicht")[1] == ["Scans begonnen", "0", "–"]
        # the page does not scroll sideways; wide tables scroll inside their own box
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert run_axe(page) == []
    finally:
        context.close()


def test_overdue_ticket_and_outcome_forms_pass_axe(dashboard_service, page):
    import requests

    from tests.handoff_service.conftest import ticket_body
    from tests.handoff_service.service import API_TOKEN

    body = ticket_body(made_at=time.time() - 14 * 24 * 3600)
    r = requests.post(dashboard_service.url + "/api/tickets", json=body, timeout=10,
                      headers={"Authorization": f"Bearer {API_TOKEN}", "Idempotency-Key": body["id"]})
    assert r.status_code == 201
    login(page, dashboard_service, "/inbox")
    first = page.locator("table.inbox-table tbody tr").first
    assert body["id"] in first.inner_text() and "Te laat" in first.inner_text()
    assert run_axe(page) == []
    page.get_by_role("link", name=body["id"]).click()
    page.get_by_role("heading", name="Eerste contact en uitkomst").wait_for()
    assert run_axe(page) == []
    page.get_by_label("Uitkomst").select_option("niet_bereikt")
    page.get_by_role("button", name="Afsluiten met deze uitkomst").click()
    page.get_by_text("Opgeslagen.").wait_for()
    assert "Uitkomst: Niet bereikt" in page.inner_text("main")
