"""One revision validated alone (the push path) gives exactly what the pipeline's batch gives.

:func:`ingest.validate.run.validate_revision` is :func:`process_pending` for one revision:
the same verdict, findings, warnings (history rules included), Parquet, quarantine record,
mails and validation page, and it leaves the month's other pending revisions alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.collect import landing
from ingest.collect.client import FetchedReport
from ingest.core import contract, layout
from ingest.validate import run, store
from tests.expectations.factory import valid_report

LANDKREIS = "01054"  # Kreis Nordfriesland, 6 Gemeinden in the factory
STADT = "05113"  # Stadt Essen, one Gemeinde
KREISFREI = "05122"  # Stadt Solingen, one Gemeinde
PREVIOUS, PERIOD = "2026-09", "2026-10"
LANDED = datetime(2026, 11, 5, 6, tzinfo=UTC)
VALIDATED = datetime(2026, 11, 5, 7, tzinfo=UTC)
# What the validation stage writes (the landing zone is written before, by the same code).
OUTPUTS = ("validation", "quarantine", "accepted", "history", "outbox", "docs")


def _csv(kreis_ags: str, period: str, scale: float = 1.0, **cells: object) -> bytes:
    df = valid_report(kreis_ags, period, scale=scale)[list(contract.COLUMNS)]
    for column, value in cells.items():
        df[column] = df[column].astype(object)
        df.at[0, column] = value
    return df.to_csv(index=False).encode("utf-8")


def _land(kreis_ags: str, period: str, body: bytes) -> int:
    fetched = FetchedReport(body, "text/csv; charset=utf-8", None, None, None, 200, "push://t")
    return landing.land(kreis_ags, period, fetched, LANDED, channel="push").revision


def _month(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """In data dir ``root``: two accepted September reports, then three October reports
    landed (a broken one, one whose ELB jumps against September, one without a September)."""
    root.mkdir()
    monkeypatch.setenv("JCW_DATA_DIR", str(root))
    _land(LANDKREIS, PREVIOUS, _csv(LANDKREIS, PREVIOUS))
    _land(STADT, PREVIOUS, _csv(STADT, PREVIOUS))
    assert run.process_pending([PREVIOUS], now=VALIDATED)["accepted"] == 2
    broken = _csv(LANDKREIS, PERIOD, elb_frauen=10**7)  # a subgroup above its total
    jump = _csv(STADT, PERIOD, scale=1.4)  # ELB +40 % against September
    first = _csv(KREISFREI, PERIOD)
    return [
        (a, PERIOD, _land(a, PERIOD, b))
        for a, b in ((LANDKREIS, broken), (STADT, jump), (KREISFREI, first))
    ]


def _content(path: Path) -> bytes:
    """A file's bytes; a queued mail without its ``Date`` header (the moment it was queued)."""
    data = path.read_bytes()
    if path.suffix != ".eml":
        return data
    return b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"Date: "))


def _outputs(root: Path) -> dict[str, bytes]:
    """Every file the validation stage wrote below ``root``, by relative path."""
    return {
        str(p.relative_to(root)): _content(p)
        for top in OUTPUTS
        for p in sorted((root / top).rglob("*"))
        if p.is_file()
    }


def test_one_revision_alone_writes_exactly_what_the_batch_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_root, single_root = tmp_path / "batch", tmp_path / "single"
    _month(batch_root, monkeypatch)
    assert run.process_pending([PERIOD], now=VALIDATED) == {
        "accepted": 2,
        "rejected": 1,
        "warnings": 1,
        "periods": 1,
    }
    keys = _month(single_root, monkeypatch)
    for ags, period, revision in keys:
        run.validate_revision(ags, period, revision, now=VALIDATED)

    batch, single = _outputs(batch_root), _outputs(single_root)
    assert sorted(single) == sorted(batch)
    assert [name for name in batch if single[name] != batch[name]] == []
    broken = store.read_verdict(LANDKREIS, PERIOD, 1)
    assert broken["verdict"] == "rejected"
    rules = [f["rule"] for f in broken["findings"]]
    assert rules == ["counts_within_population", "elb_subgroups_le_total"]
    jump = store.read_verdict(STADT, PERIOD, 1)
    assert jump["verdict"] == "accepted"
    assert jump["compared_with"] == {"period": PREVIOUS, "revision": 1}
    assert [w["rule"] for w in jump["warnings"]] == ["elb_change_vs_previous"]
    assert store.read_verdict(KREISFREI, PERIOD, 1)["compared_with"] is None


def test_one_revision_leaves_the_others_of_the_month_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _month(tmp_path / "data", monkeypatch)
    pushed = keys[1]
    assert run.validate_revision(*pushed, now=VALIDATED)["accepted"] == 1
    pending = [(r.kreis_ags, r.period, r.revision) for r in store.pending_records([PERIOD])]
    assert pending == [keys[0], keys[2]]
    verdict = layout.verdict(*pushed)
    written = (verdict.read_bytes(), verdict.stat().st_mtime_ns)

    # Again: nothing is validated twice, neither by the push path nor by the pipeline.
    assert run.validate_revision(*pushed, now=VALIDATED)["accepted"] == 0
    counts = run.process_pending([PERIOD], now=VALIDATED)
    assert (counts["accepted"], counts["rejected"]) == (1, 1)
    assert (verdict.read_bytes(), verdict.stat().st_mtime_ns) == written
    assert store.pending_records([PERIOD]) == []
