"""Row 28: the largest values that pass validation build and publish.

Two jobcenters serve thirteen months of reports at the contract's bounds from a loopback
HTTP server, with X-Report-Revision 2^31 - 1: a Landkreis with 1,000 Gemeinden (the most a
Kreis can have: three digits after its Kreisschlüssel), every flow at the population bound in
every Gemeinde and its money total exactly 9,999,999,999,999.99 EUR, and a kreisfreie Stadt
whose one Gemeinde has every count at the bound and both amounts at the largest
decimal(15, 2). The real path runs: fetch, land, validate (accepted, with warnings), dbt
build, publish; the snapshot holds the exact sums.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.collect import collector
from ingest.collect.client import ReportClient
from ingest.collect.credentials import Endpoint
from ingest.core import contract, keys, registry
from ingest.core import periods as months
from ingest.validate.frames import count_bound
from ingest.validate.run import process_pending
from ingest.warehouse import build, publish
from tests.dbt_project.reports import query
from tests.ingest.data import reports
from tests.ingest.data.httpd import LoopbackServer

pytestmark = pytest.mark.timeout(1500)

LANDKREIS, STADT = "05562", "08111"  # Kreis Recklinghausen, Stuttgart: the most populous
PERIODS = months.period_range("2025-10", "2026-10")
MAX_CENTS = contract.MAX_MONEY_CENTS  # 9,999,999,999,999.99 EUR
FLOWS = ("elb_zugaenge", "elb_abgaenge")


def _row(ags: str, i: int, einwohner: int, bound: int, cents: int, period: str) -> dict:
    """One Gemeinde at the bounds: every stock equal to its einwohner (the hard rules allow
    nothing larger), every flow and integration at the population bound."""
    row = dict.fromkeys(contract.COUNT_COLUMNS, einwohner)
    row.update(
        kreis_ags=ags,
        gemeinde_ags=f"{ags}{i:03d}",
        gemeinde_name=f"Gemeinde {i}",
        period=period,
        nef=0,
        integrationen=bound,
        integrationen_svb=bound,
        integrationen_ausbildung=0,
        integrationen_selbstaendig=0,
        integrationen_frauen=bound,
        integrationen_langzeit=bound,
        integrationen_alleinerziehend=bound,
        leistungen_lebensunterhalt_eur=Decimal(cents) / 100,
        leistungen_unterkunft_eur=Decimal(cents) / 100,
    )
    row.update(dict.fromkeys(FLOWS, bound))
    return row


def largest_rows(ags: str, period: str) -> list[dict]:
    bound = count_bound(registry.get(ags).population)
    if ags == STADT:
        return [_row(ags, 0, bound, bound, MAX_CENTS, period)]
    n = 1000
    share, cents = bound // n, MAX_CENTS // n
    rows = [_row(ags, i, share, bound, cents, period) for i in range(n)]
    rows[0] = _row(ags, 0, bound - share * (n - 1), bound, MAX_CENTS - cents * (n - 1), period)
    return rows


def serve_largest(handler) -> None:
    match = re.fullmatch(r"/jc/(\d{5})/v1/reports/(\d{4}-\d{2})", handler.path)
    if not match:
        handler.reply(404)
        return
    body = reports.english_csv(largest_rows(*match.groups()))
    handler.reply(200, body, headers={"X-Report-Revision": str(keys.MAX_REVISION)})


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("data")
    server = LoopbackServer(serve_largest)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("JCW_DATA_DIR", str(root))
            mp.setenv("JCW_TODAY", "2026-11-21")

            def client() -> ReportClient:
                return ReportClient(resolve=lambda ags: Endpoint(f"{server.origin}/jc/{ags}", "t"))

            outcomes = collector.collect_many([LANDKREIS, STADT], PERIODS, client_factory=client)
            assert {o["outcome"] for o in outcomes} == {"landed"}
            counts = process_pending()
            assert (counts["accepted"], counts["rejected"]) == (2 * len(PERIODS), 0), counts
            assert build.build()["status"] == "success"
            publish.publish()
            yield root
    finally:
        server.close()


def test_the_largest_counts_and_amounts_reach_the_published_snapshot(published: Path) -> None:
    snap = published / "warehouse" / "jobcenters.duckdb"
    bound = {ags: count_bound(registry.get(ags).population) for ags in (LANDKREIS, STADT)}
    rows = query(
        snap,
        "select kreis_ags, einwohner, elb, elb_zugaenge, integrationen, "
        "leistungen_lebensunterhalt_eur, leistungen_unterkunft_eur "
        "from fct_jobcenter_month where period = '2026-10' order by kreis_ags",
    )
    most = Decimal(MAX_CENTS) / 100
    assert rows == [
        (LANDKREIS, bound[LANDKREIS], bound[LANDKREIS], 1000 * bound[LANDKREIS],
         1000 * bound[LANDKREIS], most, most),
        (STADT, bound[STADT], bound[STADT], bound[STADT], bound[STADT], most, most),
    ]  # fmt: skip
    [(integrationen, money)] = query(
        snap,
        "select integrationen, leistungen_lebensunterhalt_eur from national_month "
        "where period = '2026-10'",
    )
    assert integrationen == 1000 * bound[LANDKREIS] + bound[STADT]  # beyond 32 bits
    assert money == 2 * most


def test_the_largest_revision_number_is_kept(published: Path) -> None:
    snap = published / "warehouse" / "jobcenters.duckdb"
    assert query(snap, "select distinct source_revision from fct_report_revisions") == [
        (keys.MAX_REVISION,)
    ]
