"""The German texts of every mail: rejections, checksum alerts, digest, reminders, failures.

Pure functions from data (verdict documents, jobcenters, dates) to ``(subject, body)``; who
gets a mail and when is decided by :mod:`ingest.notify.alerts` and :mod:`ingest.status`.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime
from typing import Any

from ingest.core import contract, registry
from ingest.core.german import fmt_value
from ingest.core.rules import fix_text

SUBJECT_PREFIX = "[jcw]"
FIX_DE = "Bitte korrigieren Sie den Bericht und veröffentlichen Sie ihn erneut."
CLOSING = "Mit freundlichen Grüßen\nZentrale Statistik der kommunalen Jobcenter"


def jobcenter_label(kreis_ags: str) -> str:
    """``03157 Landkreis Peine``; the bare key for a jobcenter not in the registry."""
    try:
        return f"{kreis_ags} {registry.get(kreis_ags).name}"
    except KeyError:
        return kreis_ags


def _column_label(column: str | None) -> str:
    if not column:
        return "–"
    german = contract.GERMAN_HEADERS.get(column)
    return f"{german} ({column})" if german else column


def _row_line(ref: dict[str, Any]) -> str:
    parts = []
    parts.append(f"Zeile {ref['row']}" if ref.get("row") is not None else "gesamter Bericht")
    if ref.get("gemeinde_ags"):
        parts.append(f"Gemeinde {ref['gemeinde_ags']}")
    if ref.get("column"):
        parts.append(f"Spalte {_column_label(ref['column'])}")
    if "value" in ref:
        parts.append(f"Wert {fmt_value(ref['value'])}")
    return ", ".join(parts)


def finding_block(number: int, finding: dict[str, Any], max_rows: int = 50) -> list[str]:
    lines = [f"{number}. {finding['message']}", f"   Regel: {finding['rule']}"]
    fix = fix_text(finding["rule"])
    if fix:
        lines.append(f"   Was ist zu tun: {fix}")
    rows = finding.get("rows") or []
    for ref in rows[:max_rows]:
        lines.append(f"   - {_row_line(ref)}")
    if len(rows) > max_rows:
        lines.append(f"   ... und {len(rows) - max_rows} weitere Zeilen")
    return lines


def _de_datetime(value: str | None) -> str:
    if not value:
        return "unbekannt"
    try:
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%d.%m.%Y %H:%M UTC")
    except ValueError:
        return value


def rejection_mail(verdict: dict[str, Any]) -> tuple[str, str]:
    """Subject and German body of the rejection mail for a verdict document."""
    ags, period = verdict["kreis_ags"], verdict["period"]
    label = jobcenter_label(ags)
    subject = f"{SUBJECT_PREFIX} Bericht abgelehnt: {label} {period}"
    lines = [
        "Guten Tag,",
        "",
        f"der Monatsbericht des Jobcenters {label} für den Berichtsmonat {period} "
        f"(Revision {verdict.get('revision')}, empfangen am "
        f"{_de_datetime(verdict.get('fetched_at'))}) wurde abgelehnt und nicht in die "
        "Statistik übernommen.",
        "",
        f"Folgende Regeln sind verletzt ({len(verdict['findings'])}):",
        "",
    ]
    for i, finding in enumerate(verdict["findings"], 1):
        lines += finding_block(i, finding)
        lines.append("")
    if verdict.get("warnings"):
        lines += ["Zusätzlich gibt es Hinweise, die Sie bitte prüfen:", ""]
        for i, finding in enumerate(verdict["warnings"], 1):
            lines += finding_block(i, finding)
            lines.append("")
    lines += [
        f"Was ist zu tun? {FIX_DE} Wir holen korrigierte Berichte automatisch ab: "
        "bitte korrigieren und erneut veröffentlichen.",
        "",
        f"Prüfsumme des Berichts (SHA-256): {verdict.get('sha256')}",
        "",
        CLOSING,
    ]
    return subject, "\n".join(lines) + "\n"


def checksum_mail(verdict: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of the team's alert: a landed file no longer matches its checksum."""
    ags, period = verdict["kreis_ags"], verdict["period"]
    subject = f"{SUBJECT_PREFIX} Prüfsummenfehler: {jobcenter_label(ags)} {period}"
    body = (
        f"Die gespeicherte Datei des Berichts {jobcenter_label(ags)} {period}, Revision "
        f"{verdict.get('revision')} (SHA-256 {verdict.get('sha256')}), stimmt nicht mehr mit "
        "ihrer Prüfsumme überein. Sie wurde nicht verarbeitet und nicht repariert; der Bericht "
        "ist als abgelehnt (checksum_mismatch) verbucht.\n\nBitte die Ablage prüfen und den "
        "Bericht neu abholen.\n"
    )
    return subject, body


def digest_mail(
    day: date, verdicts: list[dict[str, Any]], rechecked: list[dict[str, Any]] = ()
) -> tuple[str, str]:
    """Subject and body of the team's digest of the warnings of reports accepted on ``day``
    and of the history rules re-checked that day."""
    n_warnings = sum(len(v["warnings"]) for v in verdicts)
    subject = (
        f"{SUBJECT_PREFIX} Hinweise {day.isoformat()}: {n_warnings} Hinweise zu "
        f"{len(verdicts)} Berichten"
    )
    lines = [
        f"Angenommene Berichte mit Hinweisen (weiche Regeln), geprüft am {day:%d.%m.%Y}:",
        "",
    ]
    for v in sorted(verdicts, key=lambda d: (d["period"], d["kreis_ags"], d["revision"])):
        lines.append(
            f"{jobcenter_label(v['kreis_ags'])}, Berichtsmonat {v['period']}, "
            f"Revision {v['revision']}:"
        )
        for i, finding in enumerate(v["warnings"], 1):
            lines += finding_block(i, finding, max_rows=10)
        lines.append("")
    if rechecked:
        lines += _recheck_lines(rechecked)
    return subject, "\n".join(lines)


def _recheck_lines(rechecked: list[dict[str, Any]]) -> list[str]:
    """The digest's part on history rules re-checked against a late or corrected month."""
    lines = [
        "Neu bewertete Hinweise: Der Vormonat wurde nachgeliefert oder korrigiert, die "
        "Vergleiche mit dem Vormonat wurden neu geprüft:",
        "",
    ]
    for c in rechecked:
        basis = c["compared_with"]
        lines.append(
            f"{jobcenter_label(c['kreis_ags'])}, Berichtsmonat {c['period']}, Revision "
            f"{c['revision']}, jetzt verglichen mit {basis['period']} (Revision "
            f"{basis['revision']}): vorher {len(c['warnings_before'])}, jetzt "
            f"{len(c['warnings'])} Hinweise"
        )
        for i, finding in enumerate(c["warnings"], 1):
            lines += finding_block(i, finding, max_rows=10)
        lines.append("")
    return lines


def reminder_mail(kreis_ags: str, period: str, due: date) -> tuple[str, str]:
    """Subject and body of the reminder to a jobcenter whose report is overdue."""
    name = registry.get(kreis_ags).name
    subject = f"{SUBJECT_PREFIX} Erinnerung: Bericht {period} fehlt: {kreis_ags} {name}"
    body = (
        "Guten Tag,\n\n"
        f"der Monatsbericht des Jobcenters {kreis_ags} {name} für den Berichtsmonat {period} "
        f"war am {due:%d.%m.%Y} fällig und liegt uns noch nicht vor.\n\n"
        "Bitte veröffentlichen Sie den Bericht über Ihre Schnittstelle; wir holen ihn "
        f"automatisch ab.\n\n{CLOSING}\n"
    )
    return subject, body


def missing_list_mail(period: str, due: date, today: date, missing: list[str]) -> tuple[str, str]:
    """Subject and body of the team's list of jobcenters still missing after the due date."""
    names = "\n".join(f"- {jobcenter_label(ags)}" for ags in missing)
    subject = f"{SUBJECT_PREFIX} Fehlende Berichte {period}: {len(missing)} Jobcenter"
    body = (
        f"Für den Berichtsmonat {period} (fällig am {due:%d.%m.%Y}) fehlen am "
        f"{today:%d.%m.%Y} noch {len(missing)} Berichte:\n\n{names}\n\n"
        "Die Jobcenter wurden einzeln erinnert.\n"
    )
    return subject, body


def _get(obj: Any, name: str) -> Any:
    try:
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    except Exception:
        return None


def failure_mail(context: dict[str, Any]) -> tuple[str, str, str]:
    """Dedup key, subject and body of a task-failure mail from an Airflow context."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = _get(ti, "dag_id") or _get(context.get("dag"), "dag_id") or "?"
    task_id = _get(ti, "task_id") or _get(context.get("task"), "task_id") or "?"
    run_id = _get(ti, "run_id") or context.get("run_id") or "?"
    map_index = _get(ti, "map_index")
    label = _get(ti, "rendered_map_index")
    try_number = _get(ti, "try_number")
    params = context.get("params") or {}
    op_kwargs = _get(context.get("task"), "op_kwargs") or {}
    kreis_ags = _get(params, "kreis_ags") or _get(op_kwargs, "kreis_ags")
    if not kreis_ags and isinstance(label, str):
        match = re.match(r"(\d{5})\b", label)
        kreis_ags = match.group(1) if match else None
    period = _get(params, "period") or _get(params, "periods")
    log_url = None
    with contextlib.suppress(Exception):
        log_url = ti.log_url if ti is not None else None
    exception = context.get("exception")
    where = f"{dag_id}.{task_id}"
    if map_index is not None and map_index != -1:
        where += f"[{label or map_index}]"
    subject = f"{SUBJECT_PREFIX} Task fehlgeschlagen: {where}"
    if kreis_ags or period:
        subject += f" ({' '.join(str(p) for p in (kreis_ags, period) if p)})"
    lines = [
        "Ein Airflow-Task ist fehlgeschlagen.",
        "",
        f"DAG:        {dag_id}",
        f"Task:       {task_id}",
        f"Map-Index:  {map_index if map_index is not None else '–'}"
        + (f" ({label})" if label else ""),
        f"Jobcenter:  {jobcenter_label(str(kreis_ags)) if kreis_ags else '–'}",
        f"Periode:    {period or '–'}",
        f"Lauf:       {run_id}",
        f"Versuch:    {try_number if try_number is not None else '–'}",
        f"Fehler:     {type(exception).__name__ + ': ' + str(exception) if exception else '–'}",
        f"Log:        {log_url or 'im Airflow-Log des Tasks'}",
    ]
    key = f"failure:{dag_id}:{task_id}:{run_id}:{map_index}:{try_number}"
    return key, subject, "\n".join(lines) + "\n"
