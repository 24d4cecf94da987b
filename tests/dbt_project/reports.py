"""Fixture files in the formats of docs/architecture.md, written the way the other stages do.

The warehouse tests build on these, not on the fetch/validate code, so a failure here points
at the warehouse. Figures are small, deterministic and satisfy the contract's hard rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.core import contract

COUNT_TYPE = pa.int64()
MONEY_TYPE = pa.decimal128(15, 2)


def schema() -> pa.Schema:
    """The accepted Parquet schema: canonical columns plus revision, sha256, fetched_at."""
    fields = [pa.field(c, pa.string()) for c in contract.KEY_COLUMNS]
    fields += [pa.field(c, COUNT_TYPE) for c in contract.COUNT_COLUMNS]
    fields += [pa.field(c, MONEY_TYPE) for c in contract.MONEY_COLUMNS]
    fields += [
        pa.field("revision", pa.int32()),
        pa.field("sha256", pa.string()),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
    return pa.schema(fields)


@dataclass
class Gemeinde:
    gemeinde_ags: str
    gemeinde_name: str
    elb: int
    integrationen: int = 20
    einwohner: int = 50_000
    extra: dict = field(default_factory=dict)

    def row(self, kreis_ags: str, period: str) -> dict:
        """A contract-valid row; every other figure derives from elb and integrationen."""
        elb = self.elb
        integ = self.integrationen
        row = {
            "kreis_ags": kreis_ags,
            "gemeinde_ags": self.gemeinde_ags,
            "gemeinde_name": self.gemeinde_name,
            "period": period,
            "einwohner": self.einwohner,
            "einwohner_bis_rag": self.einwohner * 8 // 10,
            "bedarfsgemeinschaften": elb * 3 // 4,
            "elb": elb,
            "nef": elb * 4 // 10,
            "elb_frauen": elb // 2,
            "elb_unter_25": elb // 10,
            "elb_ab_55": elb // 5,
            "elb_alleinerziehend": elb // 10,
            "elb_langzeit": elb * 6 // 10,
            "elb_arbeitslos": elb * 4 // 10,
            "elb_zugaenge": elb // 50,
            "elb_abgaenge": elb // 50,
            "integrationen": integ,
            "integrationen_svb": integ - integ // 4 - integ // 10,
            "integrationen_ausbildung": integ // 4,
            "integrationen_selbstaendig": integ // 10,
            "integrationen_frauen": integ // 2,
            "integrationen_langzeit": integ // 3,
            "integrationen_alleinerziehend": integ // 5,
            "leistungen_lebensunterhalt_eur": elb * 50,
            "leistungen_unterkunft_eur": elb * 40,
        }
        row.update(self.extra)
        return row


def fetched_at_for(period: str, day: int = 5) -> dt.datetime:
    """A fetch time on `day` of the month after `period` (UTC)."""
    year, month = int(period[:4]), int(period[5:])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.datetime(year, month, day, 6, 0, tzinfo=dt.UTC)


def write_accepted(
    data_dir: Path,
    kreis_ags: str,
    period: str,
    gemeinden: list[Gemeinde],
    *,
    revision: int = 1,
    fetched_at: dt.datetime | None = None,
    warnings: int = 0,
    landing: bool = True,
) -> str:
    """Write the files of one accepted revision: landing record, verdict, Parquet, fetch log."""
    from decimal import Decimal

    fetched_at = fetched_at or fetched_at_for(period)
    rows = [g.row(kreis_ags, period) for g in gemeinden]
    body = json.dumps(rows, sort_keys=True).encode()
    sha = hashlib.sha256(body).hexdigest()
    for r in rows:
        for c in contract.MONEY_COLUMNS:
            r[c] = Decimal(r[c]).quantize(Decimal("0.01"))
        r.update(revision=revision, sha256=sha, fetched_at=fetched_at)
    table = pa.Table.from_pylist(rows, schema=schema())
    target = data_dir / "accepted" / period / kreis_ags / f"r{revision:04d}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target)
    if landing:
        write_landing_record(data_dir, kreis_ags, period, revision, body, fetched_at)
    write_verdict(data_dir, kreis_ags, period, revision, sha, "accepted", warnings=warnings)
    write_fetch_log(data_dir, kreis_ags, period, "landed", fetched_at)
    return sha


def write_months(data_dir: Path, periods: list[str], **gemeinde_kwargs) -> None:
    """Accepted reports of 08111 Stuttgart and 03157 Peine (one Gemeinde each) for `periods`."""
    for i, period in enumerate(periods):
        write_accepted(
            data_dir,
            "08111",
            period,
            [Gemeinde("08111000", "Stuttgart", 1000 + i, **gemeinde_kwargs)],
        )
        write_accepted(data_dir, "03157", period, [Gemeinde("03157001", "Peine", 500 + i)])


def write_landing_record(
    data_dir: Path, kreis_ags: str, period: str, revision: int, body: bytes, fetched_at: dt.datetime
) -> None:
    """The landed object (its bytes under their sha256) and the revision's metadata record."""
    sha = hashlib.sha256(body).hexdigest()
    obj = data_dir / "landing" / "objects" / sha[:2] / sha
    obj.parent.mkdir(parents=True, exist_ok=True)
    obj.write_bytes(body)
    record = {
        "kreis_ags": kreis_ags,
        "period": period,
        "revision": revision,
        "sha256": sha,
        "size": 1234,
        "content_type": "text/csv; charset=utf-8",
        "fetched_at": fetched_at.isoformat(),
        "http_status": 200,
        "etag": f'"{sha[:16]}"',
        "last_modified": "Sun, 08 Nov 2026 06:00:00 GMT",
        "source_revision": revision,
        "url": f"http://127.0.0.1:8765/jc/{kreis_ags}/v1/reports/{period}",
    }
    path = data_dir / "landing" / "records" / period / kreis_ags / f"r{revision:04d}.json"
    _write_json(path, record)


def write_verdict(
    data_dir: Path,
    kreis_ags: str,
    period: str,
    revision: int,
    sha: str,
    verdict: str,
    *,
    warnings: int = 0,
    findings: int = 0,
) -> None:
    def finding(severity: str, i: int) -> dict:
        return {
            "rule": f"rule_{i}",
            "severity": severity,
            "message": "Regel verletzt",
            "rows": [
                {"row": i + 1, "gemeinde_ags": f"{kreis_ags}000", "column": "elb", "value": 1}
            ],
        }

    body = {
        "kreis_ags": kreis_ags,
        "period": period,
        "revision": revision,
        "sha256": sha,
        "verdict": verdict,
        "suite": "report_v1",
        "findings": [finding("hard", i) for i in range(findings)],
        "warnings": [finding("soft", i) for i in range(warnings)],
    }
    _write_json(data_dir / "validation" / period / kreis_ags / f"r{revision:04d}.json", body)


def write_rejected(
    data_dir: Path, kreis_ags: str, period: str, *, revision: int = 1, findings: int = 2
) -> None:
    """Files of a landed revision that validation rejected (no Parquet)."""
    body = f"{kreis_ags}{period}{revision}bad".encode()
    sha = hashlib.sha256(body).hexdigest()
    fetched_at = fetched_at_for(period)
    write_landing_record(data_dir, kreis_ags, period, revision, body, fetched_at)
    write_verdict(data_dir, kreis_ags, period, revision, sha, "rejected", findings=findings)
    write_fetch_log(data_dir, kreis_ags, period, "landed", fetched_at)


def write_fetch_log(
    data_dir: Path,
    kreis_ags: str,
    period: str,
    outcome: str,
    at: dt.datetime,
    *,
    kind: str | None = None,
    reason: str | None = None,
) -> None:
    body = {"outcome": outcome, "kind": kind, "reason": reason, "at": at.isoformat()}
    _write_json(data_dir / "fetch_log" / period / f"{kreis_ags}.json", body)


def _write_json(path: Path, body: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def months(first: str, count: int) -> list[str]:
    """`count` consecutive periods starting at `first`."""
    year, month = int(first[:4]), int(first[5:])
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# --------------------------------------------------------------------------- a small world

WORLD_MONTHS = months("2025-01", 14)  # 2025-01 .. 2026-02: K2 windows complete from 2026-01


def stuttgart(i: int) -> list[Gemeinde]:
    """08111 Stuttgart (BW), kreisfreie Stadt; month number i = 0 for 2025-01."""
    return [Gemeinde("08111000", "Stuttgart", 1000 + 10 * i, integrationen=20 + i % 3)]


def peine(i: int) -> list[Gemeinde]:
    """03157 Landkreis Peine (NI), two Gemeinden."""
    return [
        Gemeinde("03157001", "Peine", 400 + 5 * i, integrationen=10, einwohner=60_000),
        Gemeinde("03157002", "Ilsede", 300, integrationen=8, einwohner=40_000),
    ]


def nordfriesland(i: int) -> list[Gemeinde]:
    """01054 Kreis Nordfriesland (SH), two Gemeinden."""
    return [
        Gemeinde("01054001", "Husum", 300, integrationen=6, einwohner=80_000),
        Gemeinde("01054002", "Niebüll", 200, integrationen=4, einwohner=80_000),
    ]


def write_world(data_dir: Path) -> None:
    """Files of four jobcenters over WORLD_MONTHS, with the cases the status view must show.

    - 08111: every month on time;
    - 03157: every month; 2026-02 has an accepted r1 and a rejected correction r2;
    - 01054: 2025-06 never arrived; 2025-02 arrived late (12 March);
    - 03159: only a rejected report for 2026-02 and a failed fetch for 2026-01.
    """
    for i, period in enumerate(WORLD_MONTHS):
        write_accepted(data_dir, "08111", period, stuttgart(i))
        write_accepted(data_dir, "03157", period, peine(i), warnings=1 if i == 13 else 0)
        if period == "2025-06":
            continue
        late = fetched_at_for(period, day=12) if period == "2025-02" else None
        write_accepted(data_dir, "01054", period, nordfriesland(i), fetched_at=late)
    write_rejected(data_dir, "03157", "2026-02", revision=2, findings=3)
    write_rejected(data_dir, "03159", "2026-02", findings=2)
    write_fetch_log(
        data_dir,
        "03159",
        "2026-01",
        "failed",
        fetched_at_for("2026-01"),
        kind="server_error",
        reason="HTTP 503 nach 5 Versuchen",
    )


# --------------------------------------------------------------------------- reading results


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run one query on a DuckDB file opened read-only, then close it."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def dump_tables(db: Path, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every row of each table, sorted: equal dumps mean identical tables."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def accepted_input_rows(data_dir: Path) -> list[dict]:
    """The rows of the latest accepted revision of every report, read straight from Parquet."""
    latest: dict[tuple[str, str], Path] = {}
    for path in sorted((data_dir / "accepted").glob("*/*/r*.parquet")):
        latest[(path.parent.parent.name, path.parent.name)] = path
    rows: list[dict] = []
    for path in latest.values():
        rows.extend(pq.read_table(path).to_pylist())
    return rows
