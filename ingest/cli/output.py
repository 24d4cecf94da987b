"""What ``jcw`` prints: the status table, the summaries of the stages and the findings of
a checked file, in German with the machine code in parentheses."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from ingest.core.german import count, fmt_date, fmt_datetime, fmt_int, fmt_num, month_name
from ingest.core.periods import due_date
from ingest.core.states import (
    FETCH_FAILURES_DE,
    FETCH_OUTCOMES_DE,
    STATES,
    STATES_DE,
    TIMELINESS_DE,
    labelled,
)
from ingest.status.reconcile import StatusRow, counts
from ingest.validate.pages import report_path


def format_status(period: str, rows: list[StatusRow], today: date) -> str:
    """The status table: counts per state, then one line per jobcenter not accepted, then
    where the month's validation page is."""
    per_state = counts(rows)
    late = sum(1 for r in rows if r.on_time is False)
    lines = [
        f"Berichtsmonat {month_name(period)} (fällig {fmt_date(due_date(period))}, "
        f"Stand {fmt_date(today)}): {count(len(rows), 'Jobcenter', 'Jobcenter')}",
        "  "
        + "  ".join(f"{labelled(s, STATES_DE)} {per_state[s]}" for s in STATES)
        + f"  {labelled('late', TIMELINESS_DE)} {late}",
    ]
    open_rows = [r for r in rows if r.state != "accepted"]
    if open_rows:
        lines += ["", f"{'AGS':<6} {'Jobcenter':<34} {'Status':<24} {'Rev':>3}  Grund"]
    for r in open_rows:
        flags = f" ({TIMELINESS_DE['overdue']})" if r.overdue else ""
        rev = str(r.latest_revision) if r.latest_revision else "–"
        state = labelled(r.state, STATES_DE)
        lines.append(
            f"{r.kreis_ags:<6} {r.name[:34]:<34} {state[:24]:<24} {rev:>3}  "
            f"{_reason(r)}{flags}".rstrip()
        )
    warned = [r for r in rows if r.state == "accepted" and r.warnings]
    if warned:
        lines += [
            "",
            f"{len(warned)} angenommen mit Hinweisen: " + ", ".join(r.kreis_ags for r in warned),
        ]
    page = report_path(period)
    if page.exists():
        lines += ["", f"Prüfseite: {page.as_uri()}"]
    return "\n".join(lines)


def _reason(r: StatusRow) -> str:
    """Why a report is not accepted: the rule broken, or why nothing arrived (German with
    the machine code)."""
    if r.state == "received":
        return r.reason or "wartet auf Prüfung"
    if r.state == "missing" and r.fetch_kind:
        return labelled(r.fetch_kind, FETCH_FAILURES_DE)
    return r.reason or ""


def fetch_summary(
    counts_: dict[str, int], failed: list[dict[str, Any]], jobcenters: int, months: int
) -> list[str]:
    """``Abruf: 624 Berichte (104 Jobcenter × 6 Monate): …`` and one line per failure."""
    head = (
        f"Abruf: {count(sum(counts_.values()), 'Bericht', 'Berichte')} "
        f"({count(jobcenters, 'Jobcenter', 'Jobcenter')} × {count(months, 'Monat', 'Monate')}): "
    )
    parts = [f"{fmt_int(n)} {labelled(k, FETCH_OUTCOMES_DE)}" for k, n in counts_.items()]
    lines = [head + ", ".join(parts)]
    for o in failed:
        kind = labelled(o.get("kind"), FETCH_FAILURES_DE)
        lines.append(f"  {o['kreis_ags']} {month_name(o['period'])}: {kind}: {o.get('reason')}")
    return lines


def validate_summary(result: dict[str, int]) -> str:
    """``Prüfung: 98 angenommen (accepted), 2 abgelehnt (rejected), 5 Hinweise (warnings),
    3 Monate``."""
    return (
        f"Prüfung: {fmt_int(result.get('accepted', 0))} angenommen (accepted), "
        f"{fmt_int(result.get('rejected', 0))} abgelehnt (rejected), "
        f"{count(result.get('warnings', 0), 'Hinweis', 'Hinweise')} (warnings), "
        f"{count(result.get('periods', 0), 'Monat', 'Monate')}"
    )


def rejected_lines(rejected: list[dict[str, Any]]) -> list[str]:
    """The reports whose latest revision stays rejected, with the first rule broken."""
    if not rejected:
        return []
    lines = [f"Abgelehnt (neueste Revision): {count(len(rejected), 'Bericht', 'Berichte')}"]
    for r in rejected:
        lines.append(
            f"  {r['kreis_ags']} {month_name(r['period'])}, Revision {r['revision']}: {r['rule']}"
        )
    return lines


def build_summary(summary: dict[str, Any]) -> str:
    """One line about a warehouse build."""
    how = "vollständig (full refresh)" if summary.get("full_refresh") else "inkrementell"
    months = summary.get("periods") or []
    scope = count(len(months), "Monat", "Monate") if months else "alle Monate"
    return (
        f"Warehouse gebaut, {how}: {scope}, {count(summary.get('nodes', 0), 'Knoten', 'Knoten')}"
        f", Stichtag {fmt_date(summary.get('as_of'))}, "
        f"dbt {fmt_num(summary.get('dbt_elapsed_s', 0.0), 1)} s"
    )


def snapshot_line(snapshot: Any) -> str:
    """Where the published BI snapshot is, or that none was published."""
    if not snapshot:
        return "Snapshot: nicht veröffentlicht (--no-publish)"
    return f"Snapshot veröffentlicht: {snapshot}"


def mail_summary(result: dict[str, int]) -> str:
    """``Mail: 3 gesendet (sent), 0 fehlgeschlagen (failed), 0 wartend (pending)``."""
    return (
        f"Mail: {fmt_int(result.get('sent', 0))} gesendet (sent), "
        f"{fmt_int(result.get('failed', 0))} fehlgeschlagen (failed), "
        f"{fmt_int(result.get('pending', 0))} wartend (pending)"
    )


def format_publication(info: dict[str, Any] | None) -> str:
    """One line: which run published the BI snapshot, and when (from its snapshot_info)."""
    if info is None:
        return "Noch kein Snapshot veröffentlicht."
    when = info.get("published_at")  # naive UTC in the snapshot
    at = f" am {fmt_datetime(when.replace(tzinfo=UTC))}" if when is not None else ""
    if info.get("airflow_run_id"):
        return f"Veröffentlicht von Lauf {info['airflow_run_id']}{at}"
    if when is not None:
        return f"Veröffentlicht ohne Airflow-Lauf (jcw build/publish/rebuild){at}"
    return f"Veröffentlicht von Build {info.get('dbt_invocation_id')} (Lauf nicht aufgezeichnet)"


def print_findings(verdict: str, findings: list[dict], warnings: list[dict]) -> None:
    """The verdict of a checked file with every finding, its rows, columns and values."""
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
