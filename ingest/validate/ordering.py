"""Validation of a batch of parsed reports in as few GX runs as possible, one report at a
time isolated when it raises (used by :mod:`ingest.validate.run`).

A report's history rules compare with the latest accepted revision of an earlier month; in
a batch that may be another report of the batch whose verdict is not known yet
(:func:`validate_in_order`). A report whose validation raises is rejected alone as
``internal_error`` (:func:`validate_isolated`, :func:`internal_error`).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.core.findings import Finding
from ingest.core.rules import structural_meta
from ingest.validate.checks import Verdict, validate_many
from ingest.validate.store import AcceptedIndex, field_of

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

INTERNAL_RULE = "internal_error"


def internal_error(kreis_ags: str, period: str, exc: BaseException, where: str) -> Verdict:
    """The verdict of a report whose processing raised ``exc``: rejected, ``internal_error``
    naming the exception's class (the message stays in the log, which only the team reads)."""
    log.error(
        "jobcenter %s %s: %s raised %s; the report is rejected (%s), the others go on",
        kreis_ags,
        period,
        where,
        type(exc).__name__,
        INTERNAL_RULE,
        exc_info=exc,
    )
    meta = structural_meta(INTERNAL_RULE)
    name = type(exc).__name__
    ref = {"row": None, "gemeinde_ags": None, "column": None, "value": name}
    message = f"{meta['description_de']} (Fehlerart: {name}, bei: {where})"
    finding = Finding(INTERNAL_RULE, "hard", message, [ref])
    return Verdict(kreis_ags, period, "rejected", [finding], [])


def _as_previous(df: pd.DataFrame, period: str, revision: int) -> pd.DataFrame:
    """What the history rules read of a report once accepted (its Gemeinden and ELB)."""
    return df[["gemeinde_ags", "gemeinde_name", "elb"]].assign(period=period, revision=revision)


def _key(record: Any) -> tuple[str, str, int]:
    """(kreis_ags, period, revision) of a landing record."""
    return (
        field_of(record, "kreis_ags"),
        field_of(record, "period"),
        int(field_of(record, "revision")),
    )


def validate_isolated(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]], today: date
) -> list[Verdict]:
    """:func:`validate_many`, but a report whose validation raises is rejected alone
    (``internal_error``): a batch that raises is split in halves until it is found."""
    try:
        return validate_many(reports, today=today)
    except Exception as exc:
        if len(reports) == 1:
            return [internal_error(reports[0][0], reports[0][1], exc, "Prüfung")]
    half = len(reports) // 2
    return validate_isolated(reports[:half], today) + validate_isolated(reports[half:], today)


def validate_in_order(
    batch: list[tuple[Any, pd.DataFrame]], history: AcceptedIndex, today: date
) -> list[Verdict]:
    """Validate parsed reports of several months in as few GX runs as possible.

    A report's history rules compare with the latest accepted revision of an earlier month,
    which may be a report of this very batch whose verdict is not known yet. The first run
    assumes every report of the batch is accepted; then only the reports whose comparison
    changed because an earlier report was rejected are validated again, until nothing
    changes. Rejections are rare: a batch needs one GX run, plus one for each round of
    rejections that changes a comparison, instead of one run per month.
    """
    import pandas as pd

    keys = [_key(record) for record, _ in batch]
    by_ags: dict[str, list[int]] = {}
    for i, (ags, _period, _revision) in enumerate(keys):
        by_ags.setdefault(ags, []).append(i)
    verdicts: list[Verdict | None] = [None] * len(batch)
    compared: list[tuple | None] = [None] * len(batch)
    disk_frames: dict[Path, pd.DataFrame] = {}

    def comparison(i: int) -> tuple | None:
        """(period, revision, source) of what report ``i`` compares with, or None."""
        ags, period, _revision = keys[i]
        best = history.latest_before(ags, period)
        for j in by_ags[ags]:
            p, r = keys[j][1], keys[j][2]
            earlier = p < period and (verdicts[j] is None or verdicts[j].accepted)
            if earlier and (best is None or (p, r) > best[:2]):
                best = (p, r, j)
        return best

    def frame(ref: tuple | None) -> pd.DataFrame | None:
        if ref is None:
            return None
        period, revision, source = ref
        if isinstance(source, int):
            return _as_previous(batch[source][1], period, revision)
        if source not in disk_frames:
            disk_frames[source] = pd.read_parquet(source)
        return disk_frames[source]

    while True:
        todo = []
        for i in range(len(batch)):
            ref = comparison(i)
            if verdicts[i] is None or ref != compared[i]:
                compared[i] = ref
                todo.append(i)
        if not todo:
            break
        reports = [(keys[i][0], keys[i][1], batch[i][1], frame(compared[i])) for i in todo]
        for i, verdict in zip(todo, validate_isolated(reports, today), strict=True):
            verdict.revision = keys[i][2]
            verdict.sha256 = field_of(batch[i][0], "sha256")
            verdicts[i] = verdict
    return verdicts  # type: ignore[return-value]
