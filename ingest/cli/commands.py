"""The ``jcw`` subcommands of the pipeline: each one calls a stage and prints what happened.

Arguments are parsed into checked values before anything runs: a month is ``YYYY-MM`` in
ASCII from 2005-01 to the reference date's month (``--today``, else ``JCW_TODAY``, else
today in Berlin), a jobcenter a key of the registry; a fetch of more than
:data:`MAX_FETCH_MONTHS` months × the registry's jobcenters needs ``--yes``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from ingest.core import clock, registry
from ingest.core import periods as months
from ingest.core.german import fmt_int

# A fetch of more reports than this many months of every registered jobcenter asks for
# --yes: 20 years at once is a deliberate backfill, not a typo in a range.
MAX_FETCH_MONTHS = 240


class UsageError(Exception):
    """A command line that cannot be carried out as written (exit code 2)."""


def period_range(text: str, today: date | None = None) -> list[str]:
    """``2026-10`` → [2026-10]; ``2026-10..2026-12`` → the three months, in order.

    Both ends must be months from 2005-01 to the month of ``today`` (the reference date).
    """
    day = clock.today(today)
    first, sep, last = text.partition("..")
    last = last if sep else first
    for p in (first, last):
        if not months.is_period(p):
            raise UsageError(f"Berichtsmonat {months.shown(p)} ist kein Monat JJJJ-MM")
        months.reporting_period(p, day)
    if first > last:
        raise UsageError(f"Zeitraum {months.shown(text)} endet, bevor er beginnt")
    return months.period_range(first, last)


def periods_arg(values: list[str] | None, today: date | None = None) -> list[str]:
    return sorted({p for v in values or [] for p in period_range(v, today)})


def _one_period(text: str, command: str, today: date | None = None) -> str:
    period = period_range(text, today)
    if len(period) != 1:
        raise UsageError(f"{command} nimmt genau einen Berichtsmonat")
    return period[0]


def confirm_size(jobcenters: list[str], periods: list[str], yes: bool) -> None:
    """UsageError for a fetch beyond MAX_FETCH_MONTHS × the registry unless ``yes``."""
    limit = MAX_FETCH_MONTHS * len(registry.jobcenters())
    asked = len(jobcenters) * len(periods)
    if asked > limit and not yes:
        raise UsageError(
            f"{fmt_int(asked)} Berichte ({len(jobcenters)} Jobcenter × {len(periods)} Monate) "
            f"sind mehr als die {fmt_int(limit)}, die ein Abruf ohne --yes startet; mit --yes "
            "geht es los"
        )


def jobcenters_arg(values: list[str] | None) -> list[str]:
    if not values:
        return [jc.kreis_ags for jc in registry.jobcenters()]
    known = registry.by_ags()
    for ags in values:
        if ags not in known:
            raise UsageError(
                f"unbekanntes Jobcenter {months.shown(ags)}: nicht im Verzeichnis der Jobcenter"
            )
    return sorted(set(values))


def cmd_status(args: argparse.Namespace) -> int:
    from ingest.cli.output import format_publication, format_status
    from ingest.notify.outbox import format_undelivered
    from ingest.status.reconcile import reconcile
    from ingest.warehouse import snapshot

    today = clock.today(args.today)
    period = _one_period(args.period, "status", today)
    rows = reconcile(period, today=today)
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=1))
        return 0
    print(format_status(period, rows, today))
    print()
    print(format_publication(snapshot.publication()))
    stuck_mail = format_undelivered()
    if stuck_mail:
        print()
        print(stuck_mail)
    return 0


_CONTENT_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv",
    ".txt": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cmd_check(args: argparse.Namespace) -> int:
    from ingest.cli.output import print_findings
    from ingest.core.errors import ReportRejected
    from ingest.validate.checks import validate_report
    from ingest.validate.parse import parse_report
    from ingest.validate.store import previous_accepted

    jobcenters_arg([args.jobcenter])
    period = _one_period(args.period, "check")
    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path} nicht lesbar: {exc.strerror or exc}") from None
    content_type = _CONTENT_TYPES.get(path.suffix.lower(), "text/csv")
    print(f"{path.name}: Jobcenter {args.jobcenter}, Berichtsmonat {period}")
    try:
        df = parse_report(body, content_type, kreis_ags=args.jobcenter, period=period)
    except ReportRejected as exc:
        print_findings("abgelehnt", [f.to_dict() for f in exc.findings], [])
        return 1
    # Exactly as the pipeline: history rules compare with the last accepted month, if any.
    previous = previous_accepted(args.jobcenter, period)
    verdict = validate_report(df, args.jobcenter, period, previous=previous).to_dict()
    accepted = verdict["verdict"] == "accepted"
    print_findings(
        "angenommen" if accepted else "abgelehnt", verdict["findings"], verdict["warnings"]
    )
    print(f"{len(df)} Zeilen gelesen")
    return 0 if accepted else 1


def cmd_docs(args: argparse.Namespace) -> int:
    from ingest.warehouse.build import DOCS_PAGE, docs

    page = docs() / DOCS_PAGE
    print(f"dbt-Dokumentation: {page.as_uri()}")
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    from ingest.cli.output import mail_summary
    from ingest.notify.outbox import deliver_outbox

    print(mail_summary(deliver_outbox()))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ingest.report.generate import generate, latest_period

    if args.period and not months.is_period(args.period):
        raise UsageError(f"Berichtsmonat {args.period!r} ist kein Monat JJJJ-MM")
    period = args.period or latest_period()
    out = Path(args.out) if args.out else None
    paths = generate(period, out_dir=out, pdf=not args.no_pdf)
    print(f"Bericht: {paths.html}")
    if paths.pdf:
        print(f"PDF:     {paths.pdf}")
    else:
        print(f"PDF:     {'nicht erzeugt (--no-pdf)' if args.no_pdf else paths.pdf_problem}")
    print(f"Profile: {paths.profiles_dir}/<Kreisschlüssel>.html")
    if paths.profiles_pdf:
        print(f"         {paths.profiles_pdf} (eine Seite je Jobcenter)")
    return 0


def cmd_smtp_sink(args: argparse.Namespace) -> int:
    from ingest.notify.smtp_sink import serve

    try:
        serve(args.host, args.port, Path(args.maildir).resolve())
    except OSError as exc:
        print(f"jcw smtp-sink: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
