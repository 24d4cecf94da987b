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
from typing import TYPE_CHECKING, Any

from ingest.core import contract
from ingest.core.rules import HISTORY_RULES
from ingest.validate import store
from ingest.validate.checks import validate_report

if TYPE_CHECKING:
    import pandas as pd


def recheck_following(
    accepted: list[tuple[str, str, int]], index: store.AcceptedIndex, now: datetime
) -> set[str]:
    """Re-check the history rules of the month after each newly accepted ``(ags, period,
    revision)`` where that month compared with something else; return the months whose
    warnings changed."""
    changed: set[str] = set()
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
        warnings = _history_warnings(ags, later_period, later_path, period, revision)
        before = [w for w in store.effective_warnings(verdict) if w["rule"] in HISTORY_RULES]
        store.write_history_check(
            {
                "kreis_ags": ags,
                "period": later_period,
                "revision": later_revision,
                "compared_with": wanted,
                "warnings": warnings,
                "warnings_before": before,
                "checked_at": now.isoformat(),
            }
        )
        if warnings != before:
            changed.add(later_period)
    return changed


def _history_warnings(
    ags: str, period: str, path: Any, previous_period: str, previous_revision: int
) -> list[dict[str, Any]]:
    """The history-rule warnings of an accepted revision against another previous month."""
    import pandas as pd

    rows = _canonical(pd.read_parquet(path))
    previous = pd.read_parquet(store.accepted_path(ags, previous_period, previous_revision))
    verdict = validate_report(rows, ags, period, previous=previous)
    return [w.to_dict() for w in verdict.warnings if w.rule in HISTORY_RULES]


def _canonical(accepted: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns of accepted Parquet rows, numbered as delivered."""
    return accepted[list(contract.COLUMNS)].assign(_row=range(1, len(accepted) + 1))
