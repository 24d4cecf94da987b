"""The German texts of every mail: rejections, checksum alerts, digest, reminders, failures.

Pure functions from data (verdict documents, jobcenters, dates) to ``(subject, body)``; who
gets a mail and when is decided by :mod:`ingest.notify.alerts` and :mod:`ingest.status`.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import Any

from ingest.core import registry, settings
from ingest.core.findings import describe_ref
from ingest.core.german import count, fmt_date, fmt_datetime, month_name, plural
from ingest.core.rules import fix_text, rules

SUBJECT_PREFIX = "[jcw]"
CLOSING = "Mit freundlichen Grüßen\nZentrale Statistik der kommunalen Jobcenter"


def signature() -> list[str]:
    """The contact line and the one closing every mail to a jobcenter ends with."""
    return [f"Fragen zu dieser Nachricht beantworten wir unter {settings.TEAM_EMAIL}.", "", CLOSING]


def jobcenter_label(kreis_ags: str) -> str:
    """``03157 Landkreis Peine``; the bare key for a jobcenter not in the registry."""
    try:
        return f"{kreis_ags} {registry.get(kreis_ags).name}"
    except KeyError:
        return kreis_ags


def report_label(kreis_ags: str, period: str) -> str:
    """``05113 Stadt Essen, Oktober 2026``: a report as subjects and lists name it."""
    return f"{jobcenter_label(kreis_ags)}, {month_name(period)}"


def _rule_label(rule: str) -> str:
    """``Teilgruppen höchstens ELB (elb_subgroups_le_total)``: German title, stable code."""
    try:
        title = rules().get(rule, {}).get("title_de")
    except (OSError, ValueError):
        title = None
    return f"{title} ({rule})" if title else rule


def _row_line(ref: dict[str, Any]) -> str:
    """``Zeile 2, Gemeinde 05113000 Essen, Spalte ELB Frauen (elb_frauen), Wert 1.130,
    verglichen mit ELB (elb) 1.125``."""
    d = describe_ref(ref)
    parts = [d["where"]]
    parts += [f"Gemeinde {d['gemeinde']}"] if d["gemeinde"] else []
    parts += [f"Spalte {d['column']}"] if d["column"] else []
    parts += [f"Wert {d['value']}"] if d["value"] else []
    parts += [f"verglichen mit {d['compared']}"] if d["compared"] else []
    return ", ".join(parts)


def finding_block(number: int, finding: dict[str, Any], max_rows: int = 50) -> list[str]:
    """One numbered finding: message, rule, what to do, and the rows it concerns."""
    lines = [f"{number}. {finding['message']}", f"   Regel: {_rule_label(finding['rule'])}"]
    fix = fix_text(finding["rule"])
    if fix:
        lines.append(f"   Was ist zu tun: {fix}")
    refs = finding.get("rows") or []
    for ref in refs[:max_rows]:
        lines.append(f"   - {_row_line(ref)}")
    if len(refs) > max_rows:
        rest = len(refs) - max_rows
        lines.append(f"   … und {count(rest, 'weitere Zeile', 'weitere Zeilen')}")
    return lines


def _findings(findings: list[dict[str, Any]], max_rows: int = 50) -> list[str]:
    lines: list[str] = []
    for i, finding in enumerate(findings, 1):
        lines += finding_block(i, finding, max_rows)
        lines.append("")
    return lines


def _delivery(verdict: dict[str, Any]) -> str:
    """``Revision 2, empfangen am 08.11.2026, 07:00 Uhr``."""
    return (
        f"Revision {verdict.get('revision')}, empfangen am "
        f"{fmt_datetime(verdict.get('fetched_at'))}"
    )


def rejection_mail(verdict: dict[str, Any]) -> tuple[str, str]:
    """Subject and German body of the rejection mail for a verdict document: one mail per
    delivery with all its findings."""
    ags, period = verdict["kreis_ags"], verdict["period"]
    subject = f"{SUBJECT_PREFIX} Bericht abgelehnt: {report_label(ags, period)}"
    n = len(verdict["findings"])
    lines = [
        "Guten Tag,",
        "",
        f"der Monatsbericht des Jobcenters {jobcenter_label(ags)} für {month_name(period)} "
        f"({_delivery(verdict)}) wurde abgelehnt und nicht in die Statistik übernommen.",
        "",
        "Folgende Regel ist verletzt:" if n == 1 else f"Folgende {n} Regeln sind verletzt:",
        "",
        *_findings(verdict["findings"]),
    ]
    warnings = verdict.get("warnings") or []
    if warnings:
        lines += [
            f"Zusätzlich gibt es {count(len(warnings), 'Hinweis', 'Hinweise')}, "
            f"{plural(len(warnings), 'den', 'die')} Sie bitte prüfen:",
            "",
            *_findings(warnings),
        ]
    lines += [
        "Bitte korrigieren Sie den Bericht und veröffentlichen Sie ihn erneut. Wir holen ihn "
        "automatisch ab und schreiben Ihnen, sobald er angenommen ist.",
        "",
        f"Prüfsumme des Berichts (SHA-256): {verdict.get('sha256')}",
        "",
        *signature(),
    ]
    return subject, "\n".join(lines) + "\n"


def all_clear_mail(verdict: dict[str, Any], rejected: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of the mail that a report rejected before is now accepted."""
    ags, period = verdict["kreis_ags"], verdict["period"]
    subject = f"{SUBJECT_PREFIX} Bericht angenommen: {report_label(ags, period)}"
    lines = [
        "Guten Tag,",
        "",
        f"der korrigierte Monatsbericht des Jobcenters {jobcenter_label(ags)} für "
        f"{month_name(period)} ({_delivery(verdict)}) wurde angenommen und in die Statistik "
        f"übernommen. Die Ablehnung der Revision {rejected.get('revision')} ist damit "
        "erledigt; Sie müssen nichts weiter tun.",
        "",
    ]
    warnings = verdict.get("warnings") or []
    if warnings:
        lines += [
            f"Der Bericht enthält {count(len(warnings), 'Hinweis', 'Hinweise')}, "
            f"{plural(len(warnings), 'den', 'die')} Sie bitte prüfen:",
            "",
            *_findings(warnings),
        ]
    lines += signature()
    return subject, "\n".join(lines) + "\n"


def checksum_mail(verdict: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of the team's alert: a landed file no longer matches its checksum."""
    ags, period = verdict["kreis_ags"], verdict["period"]
    subject = f"{SUBJECT_PREFIX} Prüfsummenfehler: {report_label(ags, period)}"
    body = (
        f"Die gespeicherte Datei des Berichts {report_label(ags, period)}, Revision "
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
        f"{SUBJECT_PREFIX} Hinweise vom {fmt_date(day)}: "
        f"{count(n_warnings, 'Hinweis', 'Hinweise')} zu "
        f"{count(len(verdicts), 'Bericht', 'Berichten')}"
    )
    lines = [
        f"Angenommene Berichte mit Hinweisen (weiche Regeln), geprüft am {fmt_date(day)}:",
        "",
    ]
    for v in sorted(verdicts, key=lambda d: (d["period"], d["kreis_ags"], d["revision"])):
        lines.append(f"{report_label(v['kreis_ags'], v['period'])}, Revision {v['revision']}:")
        lines += _findings(v["warnings"], max_rows=10)
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
            f"{report_label(c['kreis_ags'], c['period'])}, Revision {c['revision']}, jetzt "
            f"verglichen mit {month_name(basis['period'])} (Revision {basis['revision']}): "
            f"vorher {count(len(c['warnings_before']), 'Hinweis', 'Hinweise')}, jetzt "
            f"{count(len(c['warnings']), 'Hinweis', 'Hinweise')}"
        )
        lines += _findings(c["warnings"], max_rows=10)
    return lines


def reminder_mail(kreis_ags: str, period: str, due: date) -> tuple[str, str]:
    """Subject and body of the reminder to a jobcenter whose report is overdue."""
    subject = f"{SUBJECT_PREFIX} Erinnerung: Bericht fehlt: {report_label(kreis_ags, period)}"
    lines = [
        "Guten Tag,",
        "",
        f"der Monatsbericht des Jobcenters {jobcenter_label(kreis_ags)} für "
        f"{month_name(period)} war am {fmt_date(due)} fällig und liegt uns noch nicht vor.",
        "",
        "Bitte veröffentlichen Sie den Bericht über Ihre Schnittstelle; wir holen ihn "
        "automatisch ab.",
        "",
        *signature(),
    ]
    return subject, "\n".join(lines) + "\n"


def missing_list_mail(period: str, due: date, today: date, missing: list[str]) -> tuple[str, str]:
    """Subject and body of the team's list of jobcenters still missing after the due date."""
    names = "\n".join(f"- {jobcenter_label(ags)}" for ags in missing)
    n = len(missing)
    subject = (
        f"{SUBJECT_PREFIX} Fehlende Berichte {month_name(period)}: "
        f"{count(n, 'Jobcenter', 'Jobcenter')}"
    )
    body = (
        f"Für {month_name(period)} (fällig am {fmt_date(due)}) "
        f"{plural(n, 'fehlt', 'fehlen')} am {fmt_date(today)} noch "
        f"{count(n, 'Bericht', 'Berichte')}:\n\n{names}\n\n"
        f"{plural(n, 'Das Jobcenter wurde', 'Die Jobcenter wurden einzeln')} erinnert.\n"
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
