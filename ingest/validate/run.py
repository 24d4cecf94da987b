"""The validation stage: validate every landed revision that has no verdict yet.

:func:`process_pending` reads each pending revision from the landing zone (re-hashed), parses
it (:mod:`ingest.validate.parse`), validates it (:mod:`ingest.validate.checks`) and writes its
outputs (:mod:`ingest.validate.store`): accepted Parquet, or a quarantine record and the
rejection mail (:mod:`ingest.notify.alerts`); the verdict file last, so a run killed half-way
leaves the revision pending and the next run completes it. Every output is write-once, so
concurrent runs are safe. Then the validation pages of the months touched are rewritten.

One report never stops the others: anything unexpected raised while one report is parsed,
validated or written (an IndexError, a RecursionError, …) rejects that report alone with the
finding ``internal_error`` naming the exception's class (never a traceback: the jobcenter
reads it), logs the traceback for the team, queues the rejection mail to the jobcenter and
the team like any rejection, and the other reports are validated as usual. A batch whose
validation raises is split in halves until the report that raises is found. Only when every
report of a batch of several raises is the fault taken for the system's, not the reports':
then the run fails and nothing is rejected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ingest.collect import landing
from ingest.core import clock
from ingest.core.clock import utc_now
from ingest.core.errors import ChecksumMismatch, ReportRejected
from ingest.core.findings import Finding
from ingest.notify import alerts
from ingest.validate.checks import Verdict
from ingest.validate.history import recheck_following
from ingest.validate.ordering import INTERNAL_RULE, internal_error, validate_in_order
from ingest.validate.pages import write_pages
from ingest.validate.parse import parse_report
from ingest.validate.store import (
    AcceptedIndex,
    accepted_path,
    as_datetime,
    field_of,
    has_verdict,
    pending_records,
    previous_verdict,
    write_accepted,
    write_quarantine,
    write_verdict,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

CHECKSUM_RULE = "checksum_mismatch"
CHECKSUM_MESSAGE = (
    "Die gespeicherte Datei stimmt nicht mehr mit ihrer Prüfsumme überein (Speicherfehler "
    "bei der Zentrale, nicht beim Jobcenter); die Datei wurde nicht verarbeitet."
)
# Months validated together: GX pays its fixed cost once per batch, not once per month
# (a 20-year backfill has 262 months); a batch of 104 jobcenters × 12 months stays < 1 GiB.
MONTHS_PER_BATCH = 12
# Threads writing verdict, Parquet and quarantine files: each file is fsynced, and fsync
# waits on the disk, not the CPU.
WRITE_THREADS = 8


def process_pending(
    periods: list[str] | None = None,
    *,
    now: datetime | None = None,
    today: date | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Validate every landed revision that has no verdict yet; write verdicts and outputs.

    Months are validated in order, in batches of :data:`MONTHS_PER_BATCH`, so that each
    report compares with the previous accepted month even when that month is validated in
    the same call. Idempotent and safe to run concurrently (every output is write-once). A
    checksum mismatch (or an unreadable landing record) is recorded as a rejected verdict or
    logged, alerts the team and raises :class:`ChecksumMismatch` after everything else was
    processed. ``today`` is the reference date (a month after its month is rejected).
    Returns ``{"accepted", "rejected", "warnings", "periods"}`` counts of this call.
    ``on_progress(done, total)`` follows the revisions validated, batch by batch.
    """
    now = now or utc_now()
    today = clock.today(today)
    counts = {"accepted": 0, "rejected": 0, "warnings": 0, "periods": 0}
    mismatches: list[ChecksumMismatch] = []
    by_period: dict[str, list[Any]] = {}
    for record in pending_records(periods, problems=mismatches):
        by_period.setdefault(field_of(record, "period"), []).append(record)
    months = sorted(by_period)
    history = AcceptedIndex()
    accepted_now: list[tuple[str, str, int]] = []
    total, done = sum(len(v) for v in by_period.values()), 0
    if on_progress is not None:
        on_progress(0, total)
    for start in range(0, len(months), MONTHS_PER_BATCH):
        batch = [r for p in months[start : start + MONTHS_PER_BATCH] for r in by_period[p]]
        _validate_batch(batch, history, mismatches, counts, (now, today), accepted_now)
        done += len(batch)
        if on_progress is not None:
            on_progress(done, total)
    _settle(accepted_now, history, mismatches, now)
    return counts


def validate_revision(
    kreis_ags: str,
    period: str,
    revision: int,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """Validate one landed revision now (the push path); the counts of this call.

    The same steps as :func:`process_pending` for a batch of one: parse, the same rules
    (the history rules compare with the latest accepted earlier month on disk), the same
    files (verdict last, Parquet or quarantine and mail), the month's validation page, and
    the re-check of the following month's history rules. Other pending revisions of the
    month stay pending for the pipeline; a revision that already has a verdict is left
    alone. An earlier month of the same jobcenter landed but not yet validated is not
    compared with; when the pipeline accepts it, the re-check corrects this one's warnings.
    """
    now = now or utc_now()
    today = clock.today(today)
    counts = {"accepted": 0, "rejected": 0, "warnings": 0, "periods": 0}
    if has_verdict(kreis_ags, period, revision):
        return counts
    mismatches: list[ChecksumMismatch] = []
    try:
        records = [landing.record(kreis_ags, period, revision)]
    except ChecksumMismatch as exc:
        mismatches.append(exc)
        records = []
    history = AcceptedIndex(kreis_ags)
    accepted_now: list[tuple[str, str, int]] = []
    if records:
        _validate_batch(records, history, mismatches, counts, (now, today), accepted_now)
    _settle(accepted_now, history, mismatches, now)
    return counts


def _settle(
    accepted_now: list[tuple[str, str, int]],
    history: AcceptedIndex,
    mismatches: list[ChecksumMismatch],
    now: datetime,
) -> None:
    """After a run: re-check the history rules of the months following what it accepted
    (and rewrite their pages), then raise ChecksumMismatch if files were damaged."""
    changed = recheck_following(accepted_now, history, now)
    if changed:
        log.info("history rules re-checked: warnings changed in %s", ", ".join(sorted(changed)))
        write_pages(sorted(changed))
    if mismatches:
        first = mismatches[0]
        raise ChecksumMismatch(
            first.kreis_ags,
            first.period,
            f"{len(mismatches)} landed file(s) no longer match their checksum or record; "
            f"files recorded as rejected ({CHECKSUM_RULE}) and the team was alerted. "
            f"First: {first.reason}",
        )


def _validate_batch(
    records: list[Any],
    history: AcceptedIndex,
    mismatches: list[ChecksumMismatch],
    counts: dict[str, int],
    when: tuple[datetime, date],
    accepted_now: list[tuple[str, str, int]],
) -> None:
    """Validate and write the revisions of a few months; add to ``counts`` and ``history``,
    and the revisions accepted by this call to ``accepted_now``.

    ``when`` is (the moment of this run, the reference date).
    """
    now, today = when
    done: list[tuple[Verdict, Any, pd.DataFrame | None]] = []
    parsed: list[tuple[Any, pd.DataFrame]] = []
    for record in records:
        verdict, df = _read_and_parse(record, mismatches)
        if verdict is not None:
            done.append((verdict, record, None))
        else:
            parsed.append((record, df))
    verdicts = validate_in_order(parsed, history, today)
    for (record, df), verdict in zip(parsed, verdicts, strict=True):
        done.append((verdict, record, df))
    _refuse_systemic_failure([v for v, _, _ in done])

    with ThreadPoolExecutor(WRITE_THREADS) as pool:
        finished = list(pool.map(lambda d: _finish(*d, now), done))
    written_periods = set()
    for verdict, ours in finished:
        if verdict.accepted:
            history.add(
                verdict.kreis_ags,
                verdict.period,
                verdict.revision,
                accepted_path(verdict.kreis_ags, verdict.period, verdict.revision),
            )
        if not ours:
            continue
        written_periods.add(verdict.period)
        if verdict.accepted:
            accepted_now.append((verdict.kreis_ags, verdict.period, verdict.revision))
        counts["accepted" if verdict.accepted else "rejected"] += 1
        counts["warnings"] += len(verdict.warnings)
    if written_periods:
        write_pages(sorted(written_periods))
    counts["periods"] += len(written_periods)


def _refuse_systemic_failure(verdicts: list[Verdict]) -> None:
    """Raise if every report of a batch of several failed internally: that is the system's
    fault (a broken install, the disk), and no jobcenter must be told otherwise."""
    internal = [v for v in verdicts if any(f.rule == INTERNAL_RULE for f in v.findings)]
    if len(verdicts) > 1 and len(internal) == len(verdicts):
        raise RuntimeError(
            f"every one of {len(verdicts)} reports failed internally "
            f"({internal[0].findings[0].message}); nothing was rejected, see the log"
        )


def _finish(
    verdict: Verdict, record: Any, df: pd.DataFrame | None, now: datetime
) -> tuple[Verdict, bool]:
    """Write the files of one verdict (accepted Parquet or quarantine + mail), verdict last.

    Returns the verdict written (an accepted report whose Parquet cannot be written is
    rejected as ``internal_error`` instead) and True if this call wrote it (False: a
    concurrent run was first).
    """
    fetched_at = as_datetime(field_of(record, "fetched_at"))
    if verdict.accepted:
        try:
            write_accepted(
                df,
                verdict.kreis_ags,
                verdict.period,
                revision=verdict.revision,
                sha256=verdict.sha256,
                fetched_at=fetched_at,
            )
        except Exception as exc:  # the report's own values broke the writer
            failed = internal_error(verdict.kreis_ags, verdict.period, exc, "Speichern")
            failed.revision, failed.sha256 = verdict.revision, verdict.sha256
            verdict = failed
    doc = verdict.to_dict()
    doc["fetched_at"] = fetched_at.isoformat()
    doc["validated_at"] = now.isoformat()
    if verdict.accepted:
        before = previous_verdict(verdict.kreis_ags, verdict.period, verdict.revision)
        if before is not None and _mailed_rejection(before):
            alerts.queue_all_clear(doc, before)
    else:
        write_quarantine(doc)
        if any(f.rule == CHECKSUM_RULE for f in verdict.findings):
            alerts.queue_checksum_alert(doc)
        else:
            alerts.queue_rejection(doc)
    return verdict, write_verdict(doc)


def _mailed_rejection(doc: dict[str, Any]) -> bool:
    """Whether a verdict is a rejection the jobcenter was mailed (not a checksum alarm)."""
    findings = doc.get("findings") or []
    return doc.get("verdict") == "rejected" and all(f["rule"] != CHECKSUM_RULE for f in findings)


def _read_and_parse(
    record: Any, mismatches: list[ChecksumMismatch]
) -> tuple[Verdict | None, pd.DataFrame | None]:
    """Read a landed revision and parse it: ``(None, rows)``, or ``(rejected verdict, None)``
    when its file fails the checksum (also appended to ``mismatches``) or cannot be parsed."""
    ags, period = field_of(record, "kreis_ags"), field_of(record, "period")
    revision, sha = int(field_of(record, "revision")), field_of(record, "sha256")
    try:
        body = landing.read_object(record)
    except ChecksumMismatch as exc:
        mismatches.append(exc)
        ref = {"row": None, "gemeinde_ags": None, "column": None, "value": sha}
        finding = Finding(CHECKSUM_RULE, "hard", CHECKSUM_MESSAGE, [ref])
        verdict = Verdict(ags, period, "rejected", [finding], [], revision=revision, sha256=sha)
        return verdict, None
    try:
        df = parse_report(body, field_of(record, "content_type"), kreis_ags=ags, period=period)
    except ReportRejected as exc:
        hard = [f for f in exc.findings if f.severity == "hard"] or exc.findings
        soft = [f for f in exc.findings if f.severity != "hard" and f not in hard]
        verdict = Verdict(ags, period, "rejected", hard, soft, revision=revision, sha256=sha)
        return verdict, None
    except Exception as exc:  # one report never stops the others
        verdict = internal_error(ags, period, exc, "Lesen")
        verdict.revision, verdict.sha256 = revision, sha
        return verdict, None
    return None, df
