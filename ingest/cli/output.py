"""What ``jcw`` prints: the status table and the findings of a checked file."""

from __future__ import annotations

from datetime import date
from typing import Any

from ingest.core.periods import due_date
from ingest.status.reconcile import STATES, StatusRow, counts


def format_status(period: str, rows: list[StatusRow], today: date) -> str:
    """The status table: counts per state, then one line per jobcenter not accepted."""
    per_state = counts(rows)
    due = due_date(period)
    late = sum(1 for r in rows if r.on_time is False)
    lines = [
        f"Berichtsmonat {period} (fällig {due.isoformat()}, Stand {today.isoformat()}): "
        f"{len(rows)} Jobcenter",
        "  " + "  ".join(f"{s} {per_state[s]}" for s in STATES) + f"  verspätet {late}",
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


def format_publication(info: dict[str, Any] | None) -> str:
    """One line: which run published the BI snapshot, and when (from its snapshot_info)."""
    if info is None:
        return "Noch kein Snapshot veröffentlicht."
    when = info.get("published_at")
    at = f" am {when:%Y-%m-%d %H:%M:%S} UTC" if when is not None else ""
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
