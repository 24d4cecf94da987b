"""The validation stage's files: verdicts, quarantine records and accepted Parquet.

    validation/<period>/<ags>/rNNNN.json     the verdict of every validated revision
    quarantine/<period>/<ags>/rNNNN.json     the verdict document of a rejected revision
    accepted/<period>/<ags>/rNNNN.parquet    the canonical rows of an accepted revision

All three are write-once: the first writer wins and a second, concurrent one keeps it. Paths
come from :mod:`ingest.core.layout`; every other module reads these files through here.
"""

from __future__ import annotations

import bisect
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.core import contract, layout, periods
from ingest.core.errors import UnreadableFile
from ingest.core.files import ContentConflict, replace_json, write_once
from ingest.core.rules import HISTORY_RULES
from ingest.validate.frames import to_decimal

if TYPE_CHECKING:
    import pandas as pd


def verdict_path(kreis_ags: str, period: str, revision: int) -> Path:
    """Where the verdict of one revision lives."""
    return layout.verdict(kreis_ags, period, revision)


def accepted_path(kreis_ags: str, period: str, revision: int) -> Path:
    """Where the canonical rows of an accepted revision live."""
    return layout.accepted(kreis_ags, period, revision)


def read_verdict(kreis_ags: str, period: str, revision: int) -> dict[str, Any] | None:
    """The verdict document of one revision, or None if it was not validated yet.

    UnreadableFile naming the file if it is not a verdict document (truncated, say).
    """
    try:
        return _verdict_doc(layout.verdict(kreis_ags, period, revision))
    except FileNotFoundError:
        return None


def read_history_check(kreis_ags: str, period: str, revision: int) -> dict[str, Any] | None:
    """The latest re-check of a revision's history rules, or None if never re-checked."""
    try:
        return json.loads(layout.history_check(kreis_ags, period, revision).read_bytes())
    except FileNotFoundError:
        return None


def write_history_check(doc: dict[str, Any]) -> None:
    """Replace the re-check of a revision's history rules (the latest one counts)."""
    path = layout.history_check(doc["kreis_ags"], doc["period"], doc["revision"])
    replace_json(path, doc)


def history_checks() -> list[dict[str, Any]]:
    """Every re-check of history rules, ordered by period, jobcenter and revision."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in layout.history_check_files()]


def effective_warnings(verdict: dict[str, Any]) -> list[dict[str, Any]]:
    """A verdict's warnings with its history rules as last re-checked."""
    check = read_history_check(verdict["kreis_ags"], verdict["period"], verdict["revision"])
    if check is None:
        return list(verdict.get("warnings") or [])
    kept = [w for w in verdict.get("warnings") or [] if w["rule"] not in HISTORY_RULES]
    return kept + list(check["warnings"])


def read_verdicts(period: str | None = None) -> list[dict[str, Any]]:
    """Every verdict document (of one period), ordered by period, jobcenter and revision."""
    return [_verdict_doc(p) for p in layout.verdict_files(period)]


def _verdict_doc(path: Path) -> dict[str, Any]:
    """The verdict document at ``path``; UnreadableFile naming it if it is not one."""
    data = path.read_bytes()
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or doc.get("verdict") not in ("accepted", "rejected"):
            raise ValueError("not a verdict document")
    except (ValueError, RecursionError) as exc:
        problem = "empty" if not data else f"{type(exc).__name__}: {exc}"
        raise UnreadableFile(
            path, f"{problem} ({len(data)} bytes); move it away and run jcw validate again"
        ) from None
    return doc


def previous_verdict(kreis_ags: str, period: str, revision: int) -> dict[str, Any] | None:
    """The verdict of the latest revision before ``revision`` of the same report, if any."""
    for earlier in range(revision - 1, 0, -1):
        doc = read_verdict(kreis_ags, period, earlier)
        if doc is not None:
            return doc
    return None


def has_verdict(kreis_ags: str, period: str, revision: int) -> bool:
    return layout.verdict(kreis_ags, period, revision).exists()


def write_verdict(doc: dict[str, Any]) -> bool:
    """Write a verdict document once; False if another writer was first."""
    path = layout.verdict(doc["kreis_ags"], doc["period"], doc["revision"])
    return _write_once_keep_first(path, json_bytes(doc))


def write_quarantine(doc: dict[str, Any]) -> bool:
    """Keep the verdict document of a rejected revision in the quarantine."""
    path = layout.quarantine(doc["kreis_ags"], doc["period"], doc["revision"])
    return _write_once_keep_first(path, json_bytes(doc))


def write_accepted(
    df: pd.DataFrame,
    kreis_ags: str,
    period: str,
    *,
    revision: int,
    sha256: str,
    fetched_at: datetime,
) -> bool:
    """Write the canonical rows of an accepted revision as Parquet (once)."""
    table = accepted_table(df, revision=revision, sha256=sha256, fetched_at=fetched_at)
    return _write_once_keep_first(accepted_path(kreis_ags, period, revision), _parquet_bytes(table))


class AcceptedIndex:
    """Every accepted revision on disk per jobcenter, as sorted ``(period, revision, path)``.

    Scanned once per validation run (one directory walk instead of one per report) and
    extended with what the run accepts, so later months of the same run compare with it.
    """

    def __init__(self, kreis_ags: str | None = None) -> None:
        self._by_ags: dict[str, list[tuple[str, int, Path]]] = {}
        for ags, period, revision, path in layout.accepted_files(kreis_ags):
            self.add(ags, period, revision, path)

    def add(self, kreis_ags: str, period: str, revision: int, path: Path) -> None:
        bisect.insort(self._by_ags.setdefault(kreis_ags, []), (period, revision, path))

    def latest_before(self, kreis_ags: str, period: str) -> tuple[str, int, Path] | None:
        """The latest accepted revision of the latest month before ``period``, or None."""
        entries = self._by_ags.get(kreis_ags, [])
        i = bisect.bisect_left(entries, (period,))
        return entries[i - 1] if i else None

    def first_after(self, kreis_ags: str, period: str) -> tuple[str, int, Path] | None:
        """The latest accepted revision of the first month after ``period``, or None."""
        entries = self._by_ags.get(kreis_ags, [])
        i = bisect.bisect_left(entries, (periods.shift(period, 1),))
        if i == len(entries):
            return None
        following = entries[i][0]
        return [e for e in entries[i:] if e[0] == following][-1]


def previous_accepted(kreis_ags: str, period: str) -> pd.DataFrame | None:
    """The latest accepted revision of the latest earlier month that has one, or None.

    Normally that is the month before ``period``; if that month is missing or rejected, the
    comparison goes back to the last accepted month ("previous accepted month" of the
    contract), so a gap never hides a jump.
    """
    import pandas as pd

    latest = AcceptedIndex(kreis_ags).latest_before(kreis_ags, period)
    return None if latest is None else pd.read_parquet(latest[2])


def accepted_table(df: pd.DataFrame, *, revision: int, sha256: str, fetched_at: datetime):
    """The Parquet table of an accepted revision (pyarrow.Table, types per architecture)."""
    import pyarrow as pa

    cents = Decimal("0.01")
    arrays, fields = [], []
    for col in contract.COLUMNS:
        if col in contract.KEY_COLUMNS:
            typ = pa.string()
            values = pa.array([None if v is None else str(v) for v in df[col].tolist()], typ)
        elif col in contract.COUNT_COLUMNS:
            typ = pa.int64()
            values = pa.array(df[col].to_numpy(dtype="int64"), typ)
        else:
            typ = pa.decimal128(15, 2)
            values = pa.array([to_decimal(v).quantize(cents) for v in df[col].tolist()], typ)
        fields.append(pa.field(col, typ))
        arrays.append(values)
    n = len(df)
    stamp = fetched_at.astimezone(UTC)
    extra = [
        (pa.field("revision", pa.int32()), pa.array([revision] * n, type=pa.int32())),
        (pa.field("sha256", pa.string()), pa.array([sha256] * n, type=pa.string())),
        (
            pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
            pa.array([stamp] * n, type=pa.timestamp("us", tz="UTC")),
        ),
    ]
    for f, a in extra:
        fields.append(f)
        arrays.append(a)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _parquet_bytes(table) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def field_of(record: Any, name: str) -> Any:
    return record[name] if isinstance(record, dict) else getattr(record, name)


def as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _write_once_keep_first(path: Path, data: bytes) -> bool:
    """Create ``path`` once; if another writer got there first, keep theirs."""
    try:
        return write_once(path, data)
    except ContentConflict:
        return False


def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def pending_records(periods: list[str] | None = None, *, problems: list | None = None) -> list[Any]:
    """Landing records without a verdict, ordered by period, jobcenter and revision.

    Unreadable records go to ``problems`` if given (else they raise ChecksumMismatch).
    """
    from ingest.collect import landing

    pending = [
        r
        for r in landing.all_records(periods, problems=problems)
        if not has_verdict(
            field_of(r, "kreis_ags"), field_of(r, "period"), int(field_of(r, "revision"))
        )
    ]
    return sorted(
        pending,
        key=lambda r: (
            field_of(r, "period"),
            field_of(r, "kreis_ags"),
            int(field_of(r, "revision")),
        ),
    )


# Months validated together: GX pays its fixed cost once per batch, not once per month
# (a 20-year backfill has 262 months); a batch of 104 jobcenters × 12 months stays < 1 GiB.
