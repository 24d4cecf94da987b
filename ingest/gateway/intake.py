"""A pushed report: landed, validated at once, announced to the pipeline.

The bytes go into the same content-addressed landing zone as fetched ones (channel
``push``; the same bytes again are the same revision), are validated at once by the same code as in
the pipeline (:func:`ingest.validate.run.validate_revision`: this revision alone, with the
same rules and the same files as :func:`~ingest.validate.run.process_pending` writes: the
verdict, accepted Parquet or quarantine record, the mail and the validation page; the
month's other pending revisions are left to the pipeline), and an event
tells ``jcw_intake`` that the revision is there, so the warehouse takes it without a fetch.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.collect import events, landing
from ingest.collect.client import FetchedReport
from ingest.core import layout
from ingest.core.errors import ChecksumMismatch
from ingest.validate.run import validate_revision

log = logging.getLogger(__name__)

# One validation at a time in the gateway process: GX and the verdict files of a month
# are shared, and a report validates in well under a second.
_validating = threading.Lock()


@dataclass(frozen=True)
class Delivery:
    """A landed and validated push: the verdict document and whether the bytes were new."""

    verdict: dict[str, Any]
    is_new: bool


def push(kreis_ags: str, period: str, body: bytes, content_type: str, now: datetime) -> Delivery:
    """Land ``body`` as a pushed revision, validate it and announce it; the verdict."""
    fetched = FetchedReport(
        body=body,
        content_type=content_type,
        etag=None,
        last_modified=None,
        source_revision=None,
        http_status=200,
        url=f"push://gateway/v1/reports/{kreis_ags}/{period}",
    )
    landed = landing.land(kreis_ags, period, fetched, now, channel="push")
    path = layout.verdict(kreis_ags, period, landed.revision)
    if not path.exists():
        with _validating:
            try:
                validate_revision(kreis_ags, period, landed.revision, now=now)
            except ChecksumMismatch as exc:  # the file landed was damaged: the team is alerted
                log.error("validation of %s %s found a damaged file: %s", kreis_ags, period, exc)
    verdict = json.loads(path.read_text(encoding="utf-8"))
    # Announced even when the bytes were known: if an earlier announcement was lost, this
    # one brings the revision into the warehouse; a duplicate costs the intake nothing.
    events.announce(kreis_ags, period, events.PUSH, landed.revision, event_id=landed.sha256)
    return Delivery(verdict, landed.is_new)
