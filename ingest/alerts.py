"""Alert mail: rejections, the daily warning digest, deadline reminders, task failures.

Every mail goes through an outbox so nothing is lost: :func:`queue_mail` writes
``outbox/pending/<key>.eml`` exactly once per dedup key (a key already pending or sent is
never queued again), :func:`deliver_outbox` sends pending mail over SMTP and moves a message
to ``outbox/sent/`` only after the server accepted it. Failures stay pending with an attempt
count and the last error (:func:`undelivered`) and are retried on the next call.

SMTP settings come from the Airflow connection ``smtp_default``: the environment variable
``AIRFLOW_CONN_SMTP_DEFAULT`` (URI or JSON), else Airflow's connection lookup inside a task.
Mail texts to jobcenters are German.
"""

from __future__ import annotations

import contextlib
import email.policy
import email.utils
import fcntl
import hashlib
import json
import logging
import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ingest import contract, registry, settings

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "[jcw]"
# Serialising policy: CRLF line ends; headers are folded only at RFC 5322's 998 characters, so
# a long subject is never moved to a continuation line (recipients would see a leading space).
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)
FIX_DE = "Bitte korrigieren Sie den Bericht und veröffentlichen Sie ihn erneut."


# --------------------------------------------------------------------------- outbox


def _outbox(kind: str) -> Path:
    return settings.data_dir() / settings.OUTBOX / kind


def mail_key(key: str) -> str:
    """The file stem of a dedup key (hex SHA-256, so any text is a safe key)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _recipients(to: str | list[str]) -> list[str]:
    items = [to] if isinstance(to, str) else list(to)
    out: list[str] = []
    for item in items:
        for addr in item.split(","):
            addr = addr.strip()
            if addr and addr not in out:
                out.append(addr)
    return out


def queue_mail(key: str, to: str | list[str], subject: str, body: str) -> bool:
    """Queue one mail under a dedup key; False if that key was already queued or sent."""
    from ingest.files import ContentConflict, write_once

    stem = mail_key(key)
    pending, sent = _outbox("pending") / f"{stem}.eml", _outbox("sent") / f"{stem}.eml"
    if pending.exists() or sent.exists():
        return False
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = settings.MAIL_FROM
    msg["To"] = ", ".join(_recipients(to))
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = f"<{stem}@jcw>"
    msg["X-Jcw-Key"] = key
    msg.set_content(body, cte="quoted-printable")  # 7-bit safe for any relay, 76-char lines
    try:
        created = write_once(pending, msg.as_bytes(policy=MAIL_POLICY))
    except ContentConflict:  # a concurrent run queued the same key a moment earlier
        return False
    if created and sent.exists():  # delivered by a concurrent run between our checks
        pending.unlink(missing_ok=True)
        return False
    return created


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    login: str | None
    password: str | None
    use_ssl: bool
    use_starttls: bool
    from_email: str
    timeout: float

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, ssl={self.use_ssl})"


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def smtp_settings() -> SmtpSettings:
    """Settings of the ``smtp_default`` connection (env var first, then Airflow)."""
    raw = os.environ.get(f"AIRFLOW_CONN_{settings.SMTP_CONN_ID.upper()}")
    if raw:
        raw = raw.strip()
        if raw.startswith("{"):
            doc = json.loads(raw)
            extra = doc.get("extra") or {}
            if isinstance(extra, str):
                extra = json.loads(extra)
            host, port = doc.get("host"), doc.get("port")
            login, password = doc.get("login"), doc.get("password")
        else:
            parts = urlsplit(raw)
            extra = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            host, port = parts.hostname, parts.port
            login = unquote(parts.username) if parts.username else None
            password = unquote(parts.password) if parts.password else None
    else:
        try:
            from airflow.sdk import BaseHook

            conn = BaseHook.get_connection(settings.SMTP_CONN_ID)
        except Exception as exc:
            raise RuntimeError(
                f"no SMTP connection {settings.SMTP_CONN_ID!r} configured ({type(exc).__name__})"
            ) from None
        extra = conn.extra_dejson or {}
        host, port, login, password = conn.host, conn.port, conn.login, conn.password
    if not host:
        raise RuntimeError(f"SMTP connection {settings.SMTP_CONN_ID!r} has no host")
    use_ssl = not _truthy(extra.get("disable_ssl", False))
    return SmtpSettings(
        host=str(host),
        port=int(port or (465 if use_ssl else 25)),
        login=login or None,
        password=password or None,
        use_ssl=use_ssl,
        use_starttls=not _truthy(extra.get("disable_tls", False)) and not use_ssl,
        from_email=str(extra.get("from_email") or settings.MAIL_FROM),
        timeout=float(extra.get("timeout", 10)),
    )


def _state_path(eml: Path) -> Path:
    return eml.with_suffix(".state.json")


def _read_state(eml: Path) -> dict[str, Any]:
    try:
        return json.loads(_state_path(eml).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"attempts": 0, "last_error": None, "last_attempt": None}


def _record_failure(eml: Path, error: str, at: datetime) -> None:
    from ingest.files import replace_json

    state = _read_state(eml)
    state.update(attempts=int(state["attempts"]) + 1, last_error=error, last_attempt=at.isoformat())
    replace_json(_state_path(eml), state)


def _pending_files() -> list[Path]:
    directory = _outbox("pending")
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.eml") if not p.name.startswith("."))


def _open_smtp(cfg: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if cfg.use_ssl:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            cfg.host, cfg.port, timeout=cfg.timeout, context=context
        )
    else:
        server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.use_starttls:
            server.starttls(context=context)
    if cfg.login:
        server.login(cfg.login, cfg.password or "")
    return server


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def deliver_outbox(*, now: datetime | None = None) -> dict[str, int]:
    """Send every pending mail; returns ``{"sent", "failed", "pending"}``.

    A mail moves to ``outbox/sent/`` only after the SMTP server accepted it; otherwise it
    stays pending with its attempt count and last error. One delivery run at a time.
    """
    now = now or datetime.now(UTC)
    sent_dir = _outbox("sent")
    sent_dir.mkdir(parents=True, exist_ok=True)
    lock_path = settings.data_dir() / settings.OUTBOX / ".deliver.lock"
    counts = {"sent": 0, "failed": 0, "pending": 0}
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = _pending_files()
        if files:
            server = None
            try:
                server = _open_smtp(smtp_settings())
            except (OSError, smtplib.SMTPException, RuntimeError, ValueError) as exc:
                error = _error_text(exc)
                log.warning("SMTP unavailable, %d mail(s) stay pending: %s", len(files), error)
                for eml in files:
                    _record_failure(eml, error, now)
                counts["failed"] = len(files)
            if server is not None:
                with contextlib.closing(server):
                    for eml in files:
                        if _send_one(server, eml, now):
                            counts["sent"] += 1
                        else:
                            counts["failed"] += 1
                    with contextlib.suppress(smtplib.SMTPException, OSError):
                        server.quit()
        counts["pending"] = len(_pending_files())
    return counts


def _send_one(server: smtplib.SMTP, eml: Path, now: datetime) -> bool:
    import email

    try:
        data = eml.read_bytes()
    except FileNotFoundError:
        return True
    msg = email.message_from_bytes(data, policy=MAIL_POLICY)
    recipients = [addr for _name, addr in email.utils.getaddresses(msg.get_all("To", []))]
    try:
        refused = server.sendmail(msg["From"], recipients, data)
    except (OSError, smtplib.SMTPException) as exc:
        _record_failure(eml, _error_text(exc), now)
        log.warning("mail %s not delivered: %s", eml.name, _error_text(exc))
        return False
    if refused:
        log.warning("mail %s refused for %s", eml.name, sorted(refused))
    os.replace(eml, _outbox("sent") / eml.name)
    _state_path(eml).unlink(missing_ok=True)
    return True


def undelivered() -> list[dict[str, Any]]:
    """Pending mails with recipients, subject, attempt count and last error."""
    import email

    out = []
    for eml in _pending_files():
        try:
            msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        except FileNotFoundError:
            continue
        state = _read_state(eml)
        out.append(
            {
                "file": str(eml),
                "key": msg["X-Jcw-Key"],
                "to": msg["To"],
                "subject": msg["Subject"],
                "attempts": state["attempts"],
                "last_error": state["last_error"],
                "last_attempt": state["last_attempt"],
            }
        )
    return out


def format_undelivered() -> str:
    """A short text block for status output (empty when nothing is stuck)."""
    items = undelivered()
    if not items:
        return ""
    lines = [f"Undelivered alert mail: {len(items)}"]
    for item in items:
        lines.append(
            f"  {item['subject']} -> {item['to']} (attempts {item['attempts']}, "
            f"last error: {item['last_error'] or 'not tried yet'})"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- texts


def _jobcenter_label(kreis_ags: str) -> str:
    try:
        return f"{kreis_ags} {registry.get(kreis_ags).name}"
    except KeyError:
        return kreis_ags


def _de_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        text = f"{value:,.2f}" if value != int(value) else f"{int(value):,}"
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return str(value)


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
        parts.append(f"Wert {_de_value(ref['value'])}")
    return ", ".join(parts)


def _fix_text(rule: str) -> str | None:
    """What the jobcenter must do for a rule (``fix_de`` of the suite), if known."""
    from ingest import validate

    try:
        return validate.rules().get(rule, {}).get("fix_de")
    except (OSError, ValueError, KeyError):
        return None


def _finding_block(number: int, finding: dict[str, Any], max_rows: int = 50) -> list[str]:
    lines = [f"{number}. {finding['message']}", f"   Regel: {finding['rule']}"]
    fix = _fix_text(finding["rule"])
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
    label = _jobcenter_label(ags)
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
        lines += _finding_block(i, finding)
        lines.append("")
    if verdict.get("warnings"):
        lines += ["Zusätzlich gibt es Hinweise, die Sie bitte prüfen:", ""]
        for i, finding in enumerate(verdict["warnings"], 1):
            lines += _finding_block(i, finding)
            lines.append("")
    lines += [
        f"Was ist zu tun? {FIX_DE} Wir holen korrigierte Berichte automatisch ab: "
        "bitte korrigieren und erneut veröffentlichen.",
        "",
        f"Prüfsumme des Berichts (SHA-256): {verdict.get('sha256')}",
        "",
        "Mit freundlichen Grüßen",
        "Zentrale Statistik der kommunalen Jobcenter",
    ]
    return subject, "\n".join(lines) + "\n"


def queue_rejection(verdict: dict[str, Any]) -> bool:
    """Queue the rejection mail to the jobcenter and the team (once per revision content)."""
    ags = verdict["kreis_ags"]
    to = [settings.TEAM_EMAIL]
    with contextlib.suppress(KeyError):
        to.insert(0, registry.get(ags).contact_email)
    subject, body = rejection_mail(verdict)
    key = f"rejection:{ags}:{verdict['period']}:{verdict['sha256']}"
    return queue_mail(key, to, subject, body)


def queue_checksum_alert(verdict: dict[str, Any]) -> bool:
    """Queue a mail to the team: a landed file no longer matches its checksum."""
    ags, period = verdict["kreis_ags"], verdict["period"]
    subject = f"{SUBJECT_PREFIX} Prüfsummenfehler: {_jobcenter_label(ags)} {period}"
    body = (
        f"Die gespeicherte Datei des Berichts {_jobcenter_label(ags)} {period}, Revision "
        f"{verdict.get('revision')} (SHA-256 {verdict.get('sha256')}), stimmt nicht mehr mit "
        "ihrer Prüfsumme überein. Sie wurde nicht verarbeitet und nicht repariert; der Bericht "
        "ist als abgelehnt (checksum_mismatch) verbucht.\n\nBitte die Ablage prüfen und den "
        "Bericht neu abholen.\n"
    )
    key = f"checksum:{ags}:{period}:{verdict.get('sha256')}:{verdict.get('revision')}"
    return queue_mail(key, [settings.TEAM_EMAIL], subject, body)


def _all_verdicts() -> list[dict[str, Any]]:
    root = settings.data_dir() / settings.VALIDATION
    docs = []
    for path in sorted(root.glob("*/*/r*.json")) if root.is_dir() else []:
        if not path.name.startswith("."):
            docs.append(json.loads(path.read_text(encoding="utf-8")))
    return docs


def send_digest(day: date) -> bool:
    """Queue one digest of all warnings of reports accepted on ``day`` (once per day).

    Returns True if a digest was queued (False: no warnings that day, or already queued).
    """
    verdicts = [
        v
        for v in _all_verdicts()
        if v["verdict"] == "accepted"
        and v.get("warnings")
        and v.get("validated_at")
        and datetime.fromisoformat(v["validated_at"]).astimezone(UTC).date() == day
    ]
    if not verdicts:
        return False
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
            f"{_jobcenter_label(v['kreis_ags'])}, Berichtsmonat {v['period']}, "
            f"Revision {v['revision']}:"
        )
        for i, finding in enumerate(v["warnings"], 1):
            lines += _finding_block(i, finding, max_rows=10)
        lines.append("")
    return queue_mail(f"digest:{day.isoformat()}", [settings.TEAM_EMAIL], subject, "\n".join(lines))


def due_date(period: str) -> date:
    """The day reports for ``period`` are due (settings.DUE_DAY of the following month)."""
    year, month = (int(p) for p in period.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, settings.DUE_DAY)


def missing_jobcenters(period: str) -> list[str]:
    """Registered jobcenters with no landed report for ``period``."""
    root = settings.data_dir() / settings.LANDING / "records" / period
    missing = []
    for jc in registry.jobcenters():
        directory = root / jc.kreis_ags
        landed = directory.is_dir() and any(
            not p.name.startswith(".") for p in directory.glob("r*.json")
        )
        if not landed:
            missing.append(jc.kreis_ags)
    return missing


def send_reminders(period: str, today: date) -> dict[str, int]:
    """After the due date, remind each missing jobcenter once and tell the team who is missing.

    Returns ``{"missing", "queued"}``: jobcenters missing and mails newly queued.
    """
    if today <= due_date(period):
        return {"missing": 0, "queued": 0}
    missing = missing_jobcenters(period)
    queued = 0
    due = due_date(period)
    for ags in missing:
        jc = registry.get(ags)
        subject = f"{SUBJECT_PREFIX} Erinnerung: Bericht {period} fehlt: {ags} {jc.name}"
        body = (
            "Guten Tag,\n\n"
            f"der Monatsbericht des Jobcenters {ags} {jc.name} für den Berichtsmonat {period} "
            f"war am {due:%d.%m.%Y} fällig und liegt uns noch nicht vor.\n\n"
            "Bitte veröffentlichen Sie den Bericht über Ihre Schnittstelle; wir holen ihn "
            "automatisch ab.\n\nMit freundlichen Grüßen\n"
            "Zentrale Statistik der kommunalen Jobcenter\n"
        )
        queued += queue_mail(f"reminder:{period}:{ags}", [jc.contact_email], subject, body)
    if missing:
        names = "\n".join(f"- {ags} {registry.get(ags).name}" for ags in missing)
        subject = f"{SUBJECT_PREFIX} Fehlende Berichte {period}: {len(missing)} Jobcenter"
        body = (
            f"Für den Berichtsmonat {period} (fällig am {due:%d.%m.%Y}) fehlen am "
            f"{today:%d.%m.%Y} noch {len(missing)} Berichte:\n\n{names}\n\n"
            "Die Jobcenter wurden einzeln erinnert.\n"
        )
        key = f"reminder-team:{period}:{','.join(missing)}"
        queued += queue_mail(key, [settings.TEAM_EMAIL], subject, body)
    return {"missing": len(missing), "queued": queued}


# --------------------------------------------------------------------------- Airflow


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
        f"Jobcenter:  {_jobcenter_label(str(kreis_ags)) if kreis_ags else '–'}",
        f"Periode:    {period or '–'}",
        f"Lauf:       {run_id}",
        f"Versuch:    {try_number if try_number is not None else '–'}",
        f"Fehler:     {type(exception).__name__ + ': ' + str(exception) if exception else '–'}",
        f"Log:        {log_url or 'im Airflow-Log des Tasks'}",
    ]
    key = f"failure:{dag_id}:{task_id}:{run_id}:{map_index}:{try_number}"
    return key, subject, "\n".join(lines) + "\n"


def task_failure_callback(context: dict[str, Any]) -> None:
    """Airflow ``on_failure_callback``: queue a mail to the team and try to deliver it.

    Never raises: a broken callback must not hide the task's own failure.
    """
    try:
        key, subject, body = failure_mail(context)
        queue_mail(key, [settings.TEAM_EMAIL], subject, body)
        deliver_outbox()
    except Exception:
        log.exception("task failure alert could not be queued or delivered")
