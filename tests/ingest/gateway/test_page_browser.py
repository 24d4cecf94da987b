"""A jobcenter's month in a real headless Chromium against a real gateway on loopback.

Sign in with a key the product issued, download the month's XLSX template, upload it with a
text in a number cell, read the German finding, upload the corrected file, see it accepted;
then the product's own build and publish, and the page says since when the delivery is in
the published warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from ingest.core import contract
from ingest.warehouse import build, publish
from tests.expectations.factory import valid_report
from tests.ingest.gateway.conftest import ESSEN, PERIOD, Gateway

PUBLISHED_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def gateway_page(browser, data_dir: Path) -> Iterator:
    g = Gateway(per_minute=6000, burst=1000).start()
    context = browser.new_context(locale="de-DE")
    try:
        page = context.new_page()
        # A validation under a loaded CI machine (two test workers) can take longer than
        # Playwright's 30 s default; the test is about what the page shows, not its speed.
        page.set_default_timeout(180_000)
        yield g, page
    finally:
        context.close()
        g.stop()


def fill(template: Path, out: Path, **cells: object) -> Path:
    """The template with every number of the valid report filled in, ``cells`` replaced."""
    wb = openpyxl.load_workbook(template)
    ws = wb["Bericht"]
    figures = valid_report(ESSEN, PERIOD).set_index("gemeinde_ags")
    for i in range(2, ws.max_row + 1):
        g = ws.cell(i, 2).value
        if g is None:
            continue
        for j, col in enumerate(contract.COLUMNS[4:], start=5):
            value = figures.at[g, col]
            ws.cell(i, j).value = float(value) if col in contract.MONEY_COLUMNS else int(value)
            if col in cells:
                ws.cell(i, j).value = cells[col]
    wb.save(out)
    return out


def submit(page, path: Path) -> None:
    page.select_option("#monat", PERIOD)
    page.set_input_files("#datei", str(path))
    with page.expect_navigation():
        page.click("#hochladen button[type=submit]")


def test_a_jobcenter_uploads_corrects_and_sees_its_month_published(
    gateway_page, issue_key, tmp_path: Path
) -> None:
    gateway, page = gateway_page
    key = issue_key(ESSEN)
    page.goto(gateway.url("/jobcenter"))
    assert page.inner_text("h1") == "Monatsberichte der kommunalen Jobcenter"
    page.fill("#schluessel", key[:-1] + ("B" if key[-1] != "B" else "C"))
    page.click("#anmelden button")
    assert page.inner_text("#fehler").startswith("Anmeldung fehlgeschlagen")
    page.fill("#schluessel", key)
    page.click("#anmelden button")
    assert page.inner_text("h1") == "Lieferungen – Jobcenter Stadt Essen"
    assert page.inner_text("#keine-lieferungen") == "Noch keine Lieferungen."

    page.select_option("#vorlage-monat", PERIOD)
    with page.expect_download() as info:
        page.click("#vorlage button")
    download = info.value
    assert download.suggested_filename == f"Monatsbericht_{ESSEN}_{PERIOD}.xlsx"
    template = tmp_path / download.suggested_filename
    download.save_as(template)

    submit(page, fill(template, tmp_path / "falsch.xlsx", elb_frauen="zwölf"))
    feedback = page.inner_text("#rueckmeldung")
    assert "Abgelehnt: Der Bericht wurde abgelehnt (1 Befund)." in feedback
    assert "Spalte „ELB Frauen“ enthält Werte, die keine ganze Zahl sind (Zeile 2)." in feedback
    cells = page.eval_on_selector_all(
        "#rueckmeldung table tr:nth-child(2) td", "tds => tds.map(td => td.innerText)"
    )
    assert cells[:4] == ["Zeile 2", "05113000", "ELB Frauen (elb_frauen)", "zwölf"]

    submit(page, fill(template, tmp_path / "richtig.xlsx"))
    assert page.get_attribute("#rueckmeldung", "data-verdict") == "accepted"
    assert page.inner_text("#rueckmeldung p").startswith("Angenommen: Der Bericht wurde angenommen")
    states = page.eval_on_selector_all(
        "#lieferungen tbody tr", "rows => rows.map(r => [r.dataset.revision, r.dataset.state])"
    )
    assert states == [["2", "accepted"], ["1", "rejected"]]

    build.build([PERIOD])
    publish.publish(published_at=PUBLISHED_AT)
    page.goto(gateway.url("/jobcenter"))
    latest = page.inner_text("#lieferungen tbody tr[data-revision='2'] td:nth-child(4)")
    assert latest == "im veröffentlichten Warehouse seit 01.12.2026, 10:30 Uhr"
    first = page.inner_text("#lieferungen tbody tr[data-revision='1'] td:nth-child(4)")
    assert first.startswith("abgelehnt")
