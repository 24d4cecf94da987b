"""On time, late, overdue: hand-made cases through the real path, and three readers agree.

Every case is one jobcenter's report for 2026-10 (due on 10.11.2026), landed the way the
collect stage lands it (with the endpoint's headers and the previous fetch log), validated
by Great Expectations and built by dbt. `jcw status` (ingest.status), the warehouse
(submission_status) and the national report then say the same for every case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from ingest.collect import collector, fetch_log, landing
from ingest.collect.client import FetchedReport
from ingest.core import contract
from ingest.status import reconcile
from ingest.validate import run
from tests.expectations.factory import valid_report

PERIOD = "2026-10"
TODAY = date(2026, 11, 21)


def at(day: int, hour: int = 6, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def http(moment: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(moment, usegmt=True)


# kreis_ags -> (what happened, expected timeliness)
CASES = {
    # published on the due day (21:00 in Germany is still the 10th), fetched two days later
    "03257": ("published on the 10th", "on_time"),
    # published on the 11th
    "03356": ("published on the 11th", "late"),
    # no publication time: the first time the pipeline saw it is the bound
    "03357": ("unknown, seen on the 9th", "on_time"),
    "03358": ("unknown, seen on the 12th", "late"),
    # revision 1 on time, a correction after the due date: still on time
    "03157": ("correction after the due date", "on_time"),
    # Last-Modified of 1990, fetched three weeks late: not believed
    "03361": ("Last-Modified 1990", "late"),
    # Last-Modified before a fetch that found nothing: not believed
    "03159": ("Last-Modified before a 404", "late"),
    # Last-Modified in the future: not believed; seen on the 9th
    "03451": ("Last-Modified in the future", "on_time"),
    # first seen as a correction, the endpoint says when revision 1 was published
    "03452": ("first seen as a correction", "on_time"),
    # never published: overdue on the 21st
    "03454": ("missing", "overdue"),
}


def land(ags: str, fetched_at: datetime, scale: float = 1.0, **headers) -> None:
    df = valid_report(ags, PERIOD, scale=scale)
    body = df[list(contract.COLUMNS)].to_csv(index=False).encode("utf-8")
    fetched = FetchedReport(
        body=body,
        content_type="text/csv; charset=utf-8",
        etag=None,
        last_modified=headers.get("last_modified"),
        source_revision=headers.get("source_revision", 1),
        http_status=200,
        url=f"http://127.0.0.1:1/jc/{ags}/v1/reports/{PERIOD}",
        first_published=headers.get("first_published"),
    )
    not_found_at = collector._not_found_at(ags, PERIOD)
    landing.land(ags, PERIOD, fetched, fetched_at, not_found_at=not_found_at)


def not_published(ags: str, moment: datetime) -> None:
    fetch_log.write(fetch_log.outcome(ags, PERIOD, "not_published", moment, kind="not_published"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("timeliness")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JCW_DATA_DIR", str(data))
        mp.setenv("JCW_TODAY", TODAY.isoformat())
        land("03257", at(12), last_modified=http(at(10, 20)))
        land("03356", at(12), last_modified=http(at(11)))
        land("03357", at(9))
        land("03358", at(12))
        land("03157", at(8), last_modified=http(at(8)))
        land("03157", at(20), scale=1.01, last_modified=http(at(20)), source_revision=2)
        land("03361", at(1, month=12), last_modified=http(datetime(1990, 1, 1, tzinfo=UTC)))
        not_published("03159", at(15))
        land("03159", at(16), last_modified=http(at(9)))
        land("03451", at(9), last_modified=http(at(31, month=12)))
        land(
            "03452",
            at(25),
            scale=1.01,
            last_modified=http(at(20)),
            source_revision=2,
            first_published=http(at(7)),
        )
        run.process_pending([PERIOD], now=at(21, 7))
        from ingest.warehouse import build, publish

        build.build(None, full_refresh=True, as_of=TODAY)
        snapshot = publish.publish()
        yield data, snapshot


def test_status_says_what_the_definition_says(world) -> None:
    rows = {r.kreis_ags: r for r in reconcile.reconcile(PERIOD, today=TODAY)}
    got = {ags: rows[ags].timeliness for ags in CASES}
    assert got == {ags: expected for ags, (_, expected) in CASES.items()}
    assert rows["03157"].revisions == 2 and rows["03157"].first_published_on == "2026-11-08"
    assert rows["03452"].first_published_on == "2026-11-07"


def test_the_warehouse_says_the_same(world) -> None:
    _, snapshot = world
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        got = dict(
            con.execute(
                "select kreis_ags, timeliness from submission_status where period = ?", [PERIOD]
            ).fetchall()
        )
    finally:
        con.close()
    assert {ags: got[ags] for ags in CASES} == {ags: e for ags, (_, e) in CASES.items()}
    # every other registered jobcenter is missing and overdue on the 21st
    assert {v for k, v in got.items() if k not in CASES} == {"overdue"}


def test_the_report_counts_the_same_late_reports(world, tmp_path: Path) -> None:
    data, snapshot = world
    from ingest.report import generate

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JCW_DATA_DIR", str(data))
        paths = generate.generate(PERIOD, out_dir=tmp_path, pdf=False)
    html = paths.html.read_text(encoding="utf-8")
    late = sum(1 for _, e in CASES.values() if e == "late")
    assert f'data-key="status.late">{late}<' in html
    assert 'data-ags="03454" data-status="missing"' in html
    assert "überfällig" in html
