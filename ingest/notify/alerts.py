"""Who gets which mail, once: rejections, all-clears, checksum alerts, reminders, the digest.

Each function builds the German text (:mod:`ingest.notify.texts`) and queues it in the
outbox under a dedup key, so a re-run never mails twice. Delivery is
:func:`ingest.notify.outbox.deliver_outbox`.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from ingest.core import registry, settings
from ingest.notify import texts
from ingest.notify.outbox import queue_mail


def _jobcenter_and_team(kreis_ags: str) -> list[str]:
    """The jobcenter's contact (when it is in the registry) and the central team."""
    to = [settings.TEAM_EMAIL]
    with contextlib.suppress(KeyError):
        to.insert(0, registry.get(kreis_ags).contact_email)
    return to


def queue_rejection(verdict: dict[str, Any]) -> bool:
    """Queue the rejection mail to the jobcenter and the team (once per revision content)."""
    ags = verdict["kreis_ags"]
    subject, body = texts.rejection_mail(verdict)
    key = f"rejection:{ags}:{verdict['period']}:{verdict['sha256']}"
    return queue_mail(key, _jobcenter_and_team(ags), subject, body)


def queue_all_clear(verdict: dict[str, Any], rejected: dict[str, Any]) -> bool:
    """Queue the mail that a report is accepted after its previous revision was rejected
    (to the jobcenter and the team, once per accepted content)."""
    ags = verdict["kreis_ags"]
    subject, body = texts.all_clear_mail(verdict, rejected)
    key = f"all-clear:{ags}:{verdict['period']}:{verdict['sha256']}"
    return queue_mail(key, _jobcenter_and_team(ags), subject, body)


def queue_checksum_alert(verdict: dict[str, Any]) -> bool:
    """Queue a mail to the team: a landed file no longer matches its checksum."""
    subject, body = texts.checksum_mail(verdict)
    key = (
        f"checksum:{verdict['kreis_ags']}:{verdict['period']}:{verdict.get('sha256')}:"
        f"{verdict.get('revision')}"
    )
    return queue_mail(key, [settings.TEAM_EMAIL], subject, body)


def queue_digest(
    day: date, verdicts: list[dict[str, Any]], rechecked: list[dict[str, Any]] = ()
) -> bool:
    """Queue the team's digest of the warnings of reports accepted on ``day`` and of the
    history rules re-checked that day (once a day)."""
    subject, body = texts.digest_mail(day, verdicts, list(rechecked))
    return queue_mail(f"digest:{day.isoformat()}", [settings.TEAM_EMAIL], subject, body)


def queue_reminders(period: str, due: date, today: date, missing: list[str]) -> int:
    """Remind each missing jobcenter once, and tell the team who is missing; mails queued."""
    queued = 0
    for ags in missing:
        subject, body = texts.reminder_mail(ags, period, due)
        to = [registry.get(ags).contact_email]
        queued += queue_mail(f"reminder:{period}:{ags}", to, subject, body)
    if missing:
        subject, body = texts.missing_list_mail(period, due, today, missing)
        key = f"reminder-team:{period}:{','.join(missing)}"
        queued += queue_mail(key, [settings.TEAM_EMAIL], subject, body)
    return queued
