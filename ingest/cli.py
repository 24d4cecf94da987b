"""``jcw``: the operator's command line.

    jcw fetch  --period 2026-10[..2026-12] [--jobcenter AGS ...]   fetch, land, then validate
    jcw status --period 2026-10 [--today YYYY-MM-DD] [--json]      who is missing/rejected
    jcw check  FILE --jobcenter AGS --period 2026-10               validate one local file
    jcw validate --period ...    jcw build [--period ...]    jcw rebuild    jcw mail
    jcw report [--period 2026-10] [--no-pdf]                         the national report

Errors print one line on stderr, never a stack trace. Exit codes: 0 ok, 1 the work found a
problem (a rejected file, failed fetches, a failed build), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.errors import JcwError

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class UsageError(Exception):
    """A command line that cannot be carried out as written (exit code 2)."""


def period_range(text: str) -> list[str]:
    """``2026-10`` → [2026-10]; ``2026-10..2026-12`` → the three months, in order."""
    first, _, last = text.partition("..")
    last = last or first
    for p in (first, last):
        if not PERIOD_RE.match(p):
            raise UsageError(f"period {p!r} is not YYYY-MM")
    y, m = int(first[:4]), int(first[5:])
    ly, lm = int(last[:4]), int(last[5:])
    if (y, m) > (ly, lm):
        raise UsageError(f"period range {text!r} ends before it starts")
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _periods(values: list[str] | None) -> list[str]:
    return [p for v in values or [] for p in period_range(v)]


def _jobcenters(values: list[str] | None) -> list[str]:
    from ingest import registry

    if not values:
        return [jc.kreis_ags for jc in registry.jobcenters()]
    known = registry.by_ags()
    for ags in values:
        if ags not in known:
            raise UsageError(f"unknown jobcenter {ags!r}: not in the registry")
    return list(values)


# -- commands --------------------------------------------------------------------------------


def cmd_fetch(args: argparse.Namespace) -> int:
    from ingest import pipeline

    periods = _periods(args.period)
    jobcenters = _jobcenters(args.jobcenter)
    outcomes = pipeline.collect_many(jobcenters, periods, max_workers=args.workers)
    counts = pipeline.summarize(outcomes)
    print(
        f"fetched {len(outcomes)} reports ({len(jobcenters)} jobcenters × {len(periods)} "
        f"months): " + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    for o in outcomes:
        if o["outcome"] == "failed":
            print(f"  {o['kreis_ags']} {o['period']}: {o['reason']}")
    from ingest.validate import process_pending

    result = process_pending(periods)
    print("validated: " + ", ".join(f"{k} {v}" for k, v in dict(result).items()))
    return 1 if counts["failed"] else 0


def cmd_status(args: argparse.Namespace) -> int:
    from ingest import status

    period = period_range(args.period)
    if len(period) != 1:
        raise UsageError("status takes one period")
    today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
    rows = status.reconcile(period[0], today=today)
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=1))
        return 0
    print(format_status(period[0], rows, today))
    from ingest.alerts import format_undelivered

    stuck_mail = format_undelivered()
    if stuck_mail:
        print()
        print(stuck_mail)
    return 0


def format_status(period: str, rows: list, today: date) -> str:
    """The status table: counts per state, then one line per jobcenter not accepted."""
    from ingest import status

    counts = status.counts(rows)
    due = status.due_date(period)
    late = sum(1 for r in rows if r.on_time is False)
    lines = [
        f"Berichtsmonat {period} (fällig {due.isoformat()}, Stand {today.isoformat()}): "
        f"{len(rows)} Jobcenter",
        "  " + "  ".join(f"{s} {counts[s]}" for s in status.STATES) + f"  verspätet {late}",
    ]
    open_rows = [r for r in rows if r.state != "accepted"]
    if open_rows:
        lines.append("")
        lines.append(f"{'AGS':<6} {'Jobcenter':<34} {'Status':<9} {'Rev':>3}  Grund")
    for r in open_rows:
        flags = " (überfällig)" if r.overdue else ""
        reason = r.reason or r.fetch_reason or ""
        if r.state == "received":
            reason = reason or "wartet auf Prüfung"
        rev = str(r.latest_revision) if r.latest_revision else "-"
        lines.append(
            f"{r.kreis_ags:<6} {r.name[:34]:<34} {r.state:<9} {rev:>3}  {reason}{flags}".rstrip()
        )
    warned = [r for r in rows if r.state == "accepted" and r.warnings]
    if warned:
        lines.append("")
        lines.append(
            f"{len(warned)} angenommen mit Warnungen: " + ", ".join(r.kreis_ags for r in warned)
        )
    return "\n".join(lines)


_CONTENT_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv",
    ".txt": "text/csv",
}


def cmd_check(args: argparse.Namespace) -> int:
    from ingest import parse
    from ingest.errors import ReportRejected

    _jobcenters([args.jobcenter])
    periods = period_range(args.period)
    if len(periods) != 1:
        raise UsageError("check takes one period")
    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    content_type = _CONTENT_TYPES.get(path.suffix.lower(), "text/csv")
    from ingest.validate import previous_accepted, validate_report

    print(f"{path.name}: Jobcenter {args.jobcenter}, Berichtsmonat {periods[0]}")
    try:
        df = parse.parse_report(body, content_type, kreis_ags=args.jobcenter, period=periods[0])
    except ReportRejected as exc:
        _print_findings("abgelehnt", [f.to_dict() for f in exc.findings], [])
        return 1
    # Exactly as the pipeline: history rules compare with the last accepted month, if any.
    previous = previous_accepted(args.jobcenter, periods[0])
    verdict = validate_report(df, args.jobcenter, periods[0], previous=previous)
    d = verdict.to_dict() if hasattr(verdict, "to_dict") else dict(verdict)
    accepted = d.get("verdict") == "accepted"
    _print_findings(
        "angenommen" if accepted else "abgelehnt", d.get("findings", []), d.get("warnings", [])
    )
    print(f"{len(df)} Zeilen gelesen")
    return 0 if accepted else 1


def _print_findings(verdict: str, findings: list[dict], warnings: list[dict]) -> None:
    print(f"Ergebnis: {verdict}")
    for title, items in (("Fehler", findings), ("Warnung", warnings)):
        for f in items:
            print(f"  {title} [{f.get('rule')}]: {f.get('message')}")
            for r in f.get("rows", [])[:20]:
                where = ", ".join(
                    f"{k} {r[k]}" for k in ("row", "gemeinde_ags", "column") if r.get(k) is not None
                )
                value = "" if r.get("value") is None else f" = {r['value']!r}"
                if where or value:
                    print(f"      {where}{value}")
            if len(f.get("rows", [])) > 20:
                print(f"      … und {len(f['rows']) - 20} weitere")


def cmd_validate(args: argparse.Namespace) -> int:
    from ingest.validate import process_pending

    periods = _periods(args.period) or None
    result = process_pending(periods)
    print("validated: " + ", ".join(f"{k} {v}" for k, v in dict(result).items()))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ingest.warehouse import build, publish

    periods = _periods(args.period) or None
    summary = build(periods)
    print(f"build: {summary}")
    path = publish()
    print(f"published {path}")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ingest.warehouse import rebuild

    print(f"rebuild: {rebuild()}")
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    from ingest.alerts import deliver_outbox

    result = deliver_outbox()
    print(f"mail: {result}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ingest import report

    argv = [
        *(["--period", args.period] if args.period else []),
        *(["--no-pdf"] if args.no_pdf else []),
    ]
    if args.out:
        argv += ["--out", args.out]
    return report.main(argv)


# -- entry point -----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"jcw: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jcw", description="National warehouse of the kommunale Jobcenter.")
    p.add_argument("-v", "--verbose", action="store_true", help="log retries and progress")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    f = sub.add_parser("fetch", help="fetch and land reports, then validate them")
    f.add_argument("--period", action="append", required=True, help="YYYY-MM or YYYY-MM..YYYY-MM")
    f.add_argument("--jobcenter", action="append", help="Kreisschlüssel (repeatable; default all)")
    f.add_argument("--workers", type=int, default=8, help="parallel jobcenters (default 8)")
    f.set_defaults(func=cmd_fetch)

    s = sub.add_parser("status", help="state of every jobcenter for one month")
    s.add_argument("--period", required=True)
    s.add_argument("--today", help="reference date for deadlines (default: today, UTC)")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_status)

    c = sub.add_parser("check", help="parse and validate one local file like the pipeline")
    c.add_argument("file")
    c.add_argument("--jobcenter", required=True)
    c.add_argument("--period", required=True)
    c.set_defaults(func=cmd_check)

    v = sub.add_parser("validate", help="validate every landed report without a verdict")
    v.add_argument("--period", action="append")
    v.set_defaults(func=cmd_validate)

    b = sub.add_parser("build", help="build the warehouse (dbt) and publish the BI snapshot")
    b.add_argument("--period", action="append")
    b.set_defaults(func=cmd_build)

    r = sub.add_parser("rebuild", help="delete the warehouse and rebuild it from the files")
    r.set_defaults(func=cmd_rebuild)

    m = sub.add_parser("mail", help="deliver pending alert mails")
    m.set_defaults(func=cmd_mail)

    n = sub.add_parser("report", help="the monthly national report (HTML, PDF, profiles)")
    n.add_argument("--period", help="YYYY-MM (default: the latest published month)")
    n.add_argument("--out", help="output folder (default: data/docs/report/<period>)")
    n.add_argument("--no-pdf", action="store_true", help="HTML only")
    n.set_defaults(func=cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    """Console script entry point."""
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO if args.verbose else logging.ERROR)
    handler.setFormatter(logging.Formatter("jcw: %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=handler.level, handlers=[handler])
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"jcw: error: {exc}", file=sys.stderr)
        return 2
    except JcwError as exc:
        print(f"jcw: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("jcw: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line, never a stack trace
        print(f"jcw: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
