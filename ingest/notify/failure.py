"""The Airflow ``on_failure_callback``: a failed task mails the central team."""

from __future__ import annotations

import logging
from typing import Any

from ingest.core import settings
from ingest.notify.outbox import deliver_outbox, queue_mail
from ingest.notify.texts import failure_mail

log = logging.getLogger(__name__)


def task_failure_callback(context: dict[str, Any]) -> None:
    """Queue a mail to the team naming DAG, task, jobcenter and run, and try to deliver it.

    Never raises: a broken callback must not hide the task's own failure.
    """
    try:
        key, subject, body = failure_mail(context)
        queue_mail(key, [settings.TEAM_EMAIL], subject, body)
        deliver_outbox()
    except Exception:
        log.exception("task failure alert could not be queued or delivered")
