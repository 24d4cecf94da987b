"""What ``jcw`` prints: the status table and the findings of a checked file."""

from __future__ import annotations

from datetime import date

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
