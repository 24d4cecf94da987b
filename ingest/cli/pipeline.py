"""The ``jcw`` commands that run pipeline stages: fetch, validate, build, rebuild, publish and
backfill. Each shows a progress bar per stage on stderr and ends with a German summary on
stdout (or one JSON document with ``--json``).

``jcw backfill FROM..TO`` runs every stage for a range of months: fetch and validate in
chunks of :data:`BACKFILL_CHUNK` months, then one incremental build and the publication. It
is idempotent and resumes where it stopped: landed bytes are never fetched twice (the
server answers 304 or the same bytes land as the same revision), a revision with a verdict
is not validated again, and the build runs again only if something new landed or the last
backfill of the range stopped before its publication (``data/backfill/FROM..TO.json``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ingest.cli import output
from ingest.cli.commands import confirm_size, jobcenters_arg, period_range, periods_arg
from ingest.cli.progress import Bars, bars
from ingest.core import layout
from ingest.core.files import replace_json

# Months fetched and validated together by a backfill before the next chunk starts.
BACKFILL_CHUNK = 12


def _fetch(
    jobcenters: list[str], periods: list[str], workers: int, ui: Bars
) -> list[dict[str, Any]]:
    from ingest.collect import collector

    advance = ui.counter("Abruf", len(jobcenters) * len(periods))
    return collector.collect_many(
        jobcenters, periods, max_workers=workers, on_done=lambda done: advance(len(done))
    )


def _validate(periods: list[str] | None, update) -> dict[str, int]:
    from ingest.validate.run import process_pending

    return dict(process_pending(periods, on_progress=update))


def _add(total: dict[str, int], part: dict[str, int]) -> dict[str, int]:
    return {k: total.get(k, 0) + part.get(k, 0) for k in {*total, *part}}


def _emit(args: argparse.Namespace, doc: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
    else:
        print("\n".join(lines))


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fetch, land and validate; 1 if a fetch failed or a requested report's latest
    revision is rejected, whoever landed or validated it (a concurrent run, say)."""

    periods = periods_arg(args.period)
    jobcenters = jobcenters_arg(args.jobcenter)
    confirm_size(jobcenters, periods, args.yes)
    with bars(not args.json) as ui:
        outcomes = _fetch(jobcenters, periods, args.workers, ui)
        checked = _validate(periods, ui.tracker("Prüfung"))
    doc, lines = _intake_summary(outcomes, checked, jobcenters, periods)
    _emit(args, doc, lines)
    return 1 if doc["failed"] or doc["rejected"] else 0


def _intake_summary(
    outcomes: list[dict[str, Any]],
    checked: dict[str, int],
    jobcenters: list[str],
    periods: list[str],
) -> tuple[dict[str, Any], list[str]]:
    """What fetching and validating did, as the ``--json`` document and German lines."""
    from ingest.collect import collector

    counts = collector.summarize(outcomes)
    failed = [o for o in outcomes if o["outcome"] == "failed"]
    rejected = _rejected(jobcenters, periods)
    doc = {"fetch": counts, "failed": failed, "validate": checked, "rejected": rejected}
    lines = [
        *output.fetch_summary(counts, failed, len(jobcenters), len(periods)),
        output.validate_summary(checked),
        *output.rejected_lines(rejected),
    ]
    return doc, lines


def _rejected(jobcenters: list[str], periods: list[str]) -> list[dict[str, Any]]:
    """Each requested report whose latest landed revision has a rejected verdict, with its
    first broken rule, read from the files."""
    from ingest.collect import landing
    from ingest.validate.store import read_verdict

    out = []
    for period in periods:
        for ags in jobcenters:
            latest = landing.latest(ags, period)
            verdict = latest and read_verdict(ags, period, latest.revision)
            if verdict and verdict["verdict"] == "rejected":
                first = (verdict.get("findings") or [{}])[0].get("rule", "rejected")
                out.append(
                    {"kreis_ags": ags, "period": period, "revision": latest.revision, "rule": first}
                )
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    periods = periods_arg(args.period) or None
    with bars(not args.json) as ui:
        checked = _validate(periods, ui.tracker("Prüfung"))
    _emit(args, {"validate": checked}, [output.validate_summary(checked)])
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ingest.warehouse.build import build
    from ingest.warehouse.publish import publish

    periods = periods_arg(args.period) or None
    with bars(not args.json) as ui:
        summary = build(periods, on_node=ui.setter("Warehouse"))
    snapshot = publish() if args.publish else None
    doc = {"build": summary, "snapshot": snapshot and str(snapshot)}
    _emit(args, doc, [output.build_summary(summary), output.snapshot_line(snapshot)])
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ingest.warehouse.build import rebuild

    with bars(not args.json) as ui:
        summary = rebuild(on_node=ui.setter("Warehouse"))
    snapshot = summary.pop("snapshot")
    doc = {"build": summary, "snapshot": snapshot}
    _emit(args, doc, [output.build_summary(summary), output.snapshot_line(snapshot)])
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from ingest.warehouse.publish import publish

    snapshot = publish()
    _emit(args, {"snapshot": str(snapshot)}, [output.snapshot_line(snapshot)])
    return 0


def _why_not_built(no_build: bool) -> str:
    if no_build:
        return "Warehouse: nicht gebaut (--no-build)"
    return "Warehouse: unverändert seit dem letzten Backfill dieses Zeitraums, kein Build nötig"


def cmd_backfill(args: argparse.Namespace) -> int:
    """Every stage for a range of months; 1 if a fetch failed or a report stays rejected."""
    from ingest.collect import collector
    from ingest.warehouse.build import build
    from ingest.warehouse.publish import publish

    periods = period_range(args.range)
    jobcenters = jobcenters_arg(args.jobcenter)
    confirm_size(jobcenters, periods, args.yes)
    outcomes: list[dict[str, Any]] = []
    checked: dict[str, int] = {}
    with bars(not args.json) as ui:
        advance = ui.counter("Abruf", len(jobcenters) * len(periods))
        update = ui.tracker("Prüfung")
        for start in range(0, len(periods), BACKFILL_CHUNK):
            chunk = periods[start : start + BACKFILL_CHUNK]
            outcomes += collector.collect_many(
                jobcenters, chunk, max_workers=args.workers, on_done=lambda d: advance(len(d))
            )
            checked = _add(checked, _validate(chunk, update))
        state = layout.backfill_state(periods[0], periods[-1])
        landed = sorted({o["period"] for o in outcomes if o["outcome"] == "landed"})
        done = state.exists() and json.loads(state.read_text()).get("published") and not landed
        build_now = not args.no_build and not done
        replace_json(state, {"range": args.range, "published": False if landed else done})
        summary = build(periods, on_node=ui.setter("Warehouse")) if build_now else None
    snapshot = publish() if summary else None
    if snapshot:
        replace_json(state, {"range": args.range, "published": True})
    intake, lines = _intake_summary(outcomes, checked, jobcenters, periods)
    doc = {"periods": periods, **intake, "build": summary, "snapshot": snapshot and str(snapshot)}
    lines += [
        output.build_summary(summary) if summary else _why_not_built(args.no_build),
        *([output.snapshot_line(snapshot)] if snapshot else []),
    ]
    _emit(args, doc, lines)
    return 1 if doc["failed"] or doc["rejected"] else 0
