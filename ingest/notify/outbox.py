"""The outbox: every alert mail is queued as a file first, so nothing is lost.

:func:`queue_mail` writes ``outbox/pending/<key>.eml`` exactly once per dedup key (a key
already pending or sent is never queued again); :func:`deliver_outbox` sends pending mail
over SMTP (:mod:`ingest.notify.smtp`) and moves a message to ``outbox/sent/`` only after the
server accepted it. Failures stay pending with an attempt count and the last error
(:func:`undelivered`) and are retried on the next call.
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
import smtplib
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ingest.core import layout, settings
from ingest.core.clock import utc_now
from ingest.core.files import ContentConflict, replace_json, write_once
from ingest.notify.smtp import open_smtp, smtp_settings

log = logging.getLogger(__name__)

# Serialising policy: CRLF line ends; headers are folded only at RFC 5322's 998 characters, so
# a long subject is never moved to a continuation line (recipients would see a leading space).
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)


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
    stem = mail_key(key)
    pending, sent = layout.outbox("pending") / f"{stem}.eml", layout.outbox("sent") / f"{stem}.eml"
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


def _state_path(eml: Path) -> Path:
    return eml.with_suffix(".state.json")


def _read_state(eml: Path) -> dict[str, Any]:
    try:
        return json.loads(_state_path(eml).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"attempts": 0, "last_error": None, "last_attempt": None}


def _record_failure(eml: Path, error: str, at: datetime) -> None:
    state = _read_state(eml)
    state.update(attempts=int(state["attempts"]) + 1, last_error=error, last_attempt=at.isoformat())
    replace_json(_state_path(eml), state)


def _pending_files() -> list[Path]:
    directory = layout.outbox("pending")
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.eml") if not p.name.startswith("."))


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def deliver_outbox(*, now: datetime | None = None) -> dict[str, int]:
    """Send every pending mail; returns ``{"sent", "failed", "pending"}``.

    A mail moves to ``outbox/sent/`` only after the SMTP server accepted it; otherwise it
    stays pending with its attempt count and last error. One delivery run at a time.
    """
    now = now or utc_now()
    sent_dir = layout.outbox("sent")
    sent_dir.mkdir(parents=True, exist_ok=True)
    lock_path = layout.outbox_dir() / ".deliver.lock"
    counts = {"sent": 0, "failed": 0, "pending": 0}
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = _pending_files()
        if files:
            server = None
            try:
                server = open_smtp(smtp_settings())
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
    os.replace(eml, layout.outbox("sent") / eml.name)
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
