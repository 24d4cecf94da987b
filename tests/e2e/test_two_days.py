"""The whole path on two days of one month, on one clock (JCW_TODAY and the simulator's).

On 3.11.2026 only the jobcenters that publish in the first three days have published
October: the month is not due yet. The national report must not show a collapse: it carries
a banner naming who is missing and when they are due, the coverage and the flagged
estimate (checked in headless Chromium). On 21.11.2026 every report is in, on time: status,
warehouse and report agree with the simulator's truth, and no banner remains.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import duckdb
import pytest

from ingest.core import registry
from ingest.core.periods import period_range

PERIOD = "2026-10"
DAY_1, DAY_2 = date(2026, 11, 3), date(2026, 11, 21)
MONTHS = period_range("2026-09", PERIOD)


def run_day(day: date, months: list[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """One day of the pipeline on the world's clock: collect, validate, build, publish."""
    from ingest.collect import collector
    from ingest.validate import run
    from ingest.warehouse import build, publish

    monkeypatch.setenv("JCW_TODAY", day.isoformat())
    moment = datetime.combine(day, time(7), tzinfo=UTC)
    ags = [jc.kreis_ags for jc in registry.jobcenters()]
    collector.collect_many(ags, months, now=moment)
    run.process_pending(months, now=moment)
    build.build(months)
    return publish.publish()


def national(snapshot: Path) -> dict:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        cur = con.execute("select * from national_month where period = ?", [PERIOD])
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))
    finally:
        con.close()


def report(out: Path) -> Path:
    from ingest.report import generate

    return generate.generate(PERIOD, out_dir=out, pdf=False).html


@pytest.mark.timeout(1200)
def test_an_early_day_and_a_complete_day_of_one_month(
    simulator_factory, data_dir: Path, tmp_path: Path, page, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.status import reconcile

    sim = simulator_factory(today=DAY_1.isoformat())
    for key, value in sim.env.items():
        monkeypatch.setenv(key, value)

    # -- day 1: October is not due; a few jobcenters have published
    snapshot = run_day(DAY_1, MONTHS, monkeypatch)
    truth = sim.truth(PERIOD)
    published = truth["summary"]["accepted"]
    assert 0 < published < 50
    rows = reconcile.reconcile(PERIOD, today=DAY_1)
    assert sum(r.state == "accepted" for r in rows) == published
    assert {r.timeliness for r in rows if r.state == "missing"} == {"not_due"}
    n = national(snapshot)
    assert (n["jobcenters_reporting"], n["is_complete"], n["is_estimated"]) == (
        published,
        False,
        True,
    )
    assert n["jobcenters_estimated"] == 104 - published  # all reported September
    html = report(tmp_path / "day1")
    page.goto(html.as_uri())
    banner = page.inner_text("#hinweis")
    assert "erst am 10.11.2026 fällig" in banner
    assert f"Es liegen {published} von 104 Berichten vor" in banner
    assert banner.count("fällig am 10.11.2026") == 104 - published
    assert page.eval_on_selector_all("#eckwerte-tabelle td.estimated[data-key]", "cs => cs.length")
    # no collapse: the like-with-like changes are small, no headline falls by tens of percent
    changes = page.eval_on_selector_all(
        "[data-key^='national_same.']", "cs => cs.map(c => c.innerText)"
    )
    assert len(changes) == 5
    for text in changes:
        assert abs(float(text.replace("%", "").replace(",", ".").strip())) < 15, text
    assert not re.search(r"[−-][1-9][0-9],[0-9] %", page.inner_text("#eckwerte"))
    # the trend chart draws October with its estimate (a hollow marker), not as a fall
    assert page.query_selector("#trend-personen-estimated")

    # -- day 2: every report is in
    sim.advance(DAY_2.isoformat())
    snapshot = run_day(DAY_2, [PERIOD], monkeypatch)
    truth = sim.truth(PERIOD)
    assert truth["summary"]["accepted"] == 104
    rows = reconcile.reconcile(PERIOD, today=DAY_2)
    assert {(r.state, r.timeliness) for r in rows} == {("accepted", "on_time")}
    n = national(snapshot)
    assert (n["jobcenters_reporting"], n["is_complete"], n["is_estimated"]) == (104, True, False)
    for col in ("elb", "bedarfsgemeinschaften", "integrationen", "einwohner", "personen"):
        assert n[col] == n[f"{col}_estimated"] == truth["national"][col], col
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        statuses = con.execute(
            "select status, timeliness, count(*) from submission_status where period = ? "
            "group by all",
            [PERIOD],
        ).fetchall()
    finally:
        con.close()
    assert statuses == [("accepted", "on_time", 104)]
    html = report(tmp_path / "day2")
    page.goto(html.as_uri())
    assert page.query_selector("#hinweis") is None
