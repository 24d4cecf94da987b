"""History rules re-checked: a month accepted late or corrected moves the month after it.

The soft history rules (ELB change against the previous accepted month, Gemeinden missing or
new) compare a report with the latest accepted revision of an earlier month. When that
earlier month is accepted only later (it came late) or gets a new accepted revision (a
correction), the month after it was judged against the wrong comparison. Its verdict stays
as written (verdicts are write-once); the re-check is written beside it
(``history/<period>/<ags>/rNNNN.json``, replaced by the next re-check), and status and the
warnings digest read the warnings from there (:func:`ingest.validate.store.effective_warnings`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ingest.core import contract
from ingest.core.rules import HISTORY_RULES
from ingest.validate import store
from ingest.validate.checks import validate_many

if TYPE_CHECKING:
    import pandas as pd


class _Recheck(NamedTuple):
    """An accepted revision whose history rules must be checked against another month."""

    ags: str
    period: str
    revision: int
    path: Path
    compared_with: dict[str, Any]  # {"period", "revision"} of the month it now follows
    verdict: dict[str, Any]


def recheck_following(
    accepted: list[tuple[str, str, int]], index: store.AcceptedIndex, now: datetime
) -> set[str]:
    """Re-check the history rules of the month after each newly accepted ``(ags, period,
    revision)`` where that month compared with something else; return the months whose
    warnings changed. All re-checks of a run share one GX run (a late month re-checks the
    104 reports of the month after it)."""
    todo: list[_Recheck] = []
    for ags, period, revision in sorted(set(accepted)):
        following = index.first_after(ags, period)
        if following is None:
            continue
        later_period, later_revision, later_path = following
        verdict = store.read_verdict(ags, later_period, later_revision)
        if verdict is None or verdict.get("verdict") != "accepted":
            continue
        basis = store.read_history_check(ags, later_period, later_revision) or verdict
        wanted = {"period": period, "revision": revision}
        if basis.get("compared_with") == wanted:
            continue
        todo.append(_Recheck(ags, later_period, later_revision, later_path, wanted, verdict))
    changed: set[str] = set()
    for item, warnings in zip(todo, _history_warnings(todo), strict=True):
        effective = store.effective_warnings(item.verdict)
        before = [w for w in effective if w["rule"] in HISTORY_RULES]
        store.write_history_check(
            {
                "kreis_ags": item.ags,
                "period": item.period,
                "revision": item.revision,
                "compared_with": item.compared_with,
                "warnings": warnings,
                "warnings_before": before,
                "checked_at": now.isoformat(),
            }
        )
        if warnings != before:
            changed.add(item.period)
    return changed


def _history_warnings(todo: list[_Recheck]) -> list[list[dict[str, Any]]]:
    """The history-rule warnings of accepted revisions, each against another previous
    month, validated together."""
    import pandas as pd

    if not todo:
        return []
    reports = []
    for item in todo:
        rows = _canonical(pd.read_parquet(item.path))
        previous = pd.read_parquet(store.accepted_path(item.ags, **item.compared_with))
        reports.append((item.ags, item.period, rows, previous))
    return [
        [w.to_dict() for w in verdict.warnings if w.rule in HISTORY_RULES]
        for verdict in validate_many(reports)
    ]


def _canonical(accepted: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns of accepted Parquet rows, numbered as delivered."""
    return accepted[list(contract.COLUMNS)].assign(_row=range(1, len(accepted) + 1))
