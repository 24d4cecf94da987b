"""Signed notices per the Standard Webhooks specification.

Headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(space-separated ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``). The signature is
computed with the ``standardwebhooks`` package's signer for each valid secret of the
jobcenter the body names and compared in constant time; the timestamp must lie within
:data:`TOLERANCE` of the product's clock (``clock.utc_now``); a ``webhook-id`` seen before is
dropped (marker files under ``gateway/notices/``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook

from ingest.core import keys, layout, periods
from ingest.core.errors import InvalidKey
from ingest.gateway import credentials
from ingest.gateway.refusals import Refusal, bad_notice, unknown_jobcenter, unknown_period

TOLERANCE = timedelta(minutes=5)
MAX_NOTICE_BYTES = 64 * 1024
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}", re.ASCII)


def _headers(headers: Any) -> tuple[str, datetime, list[str]]:
    msg_id = headers.get("webhook-id") or ""
    stamp = headers.get("webhook-timestamp") or ""
    signature = headers.get("webhook-signature") or ""
    if not (_ID.fullmatch(msg_id) and stamp.isascii() and stamp.isdigit() and signature):
        raise bad_notice(
            "missing_signature_headers",
            "Die Kopfzeilen webhook-id, webhook-timestamp (Unix-Sekunden) und "
            "webhook-signature fehlen oder sind ungültig (Standard Webhooks).",
            400,
        )
    moment = datetime.fromtimestamp(min(int(stamp[:12]), 2**33), tz=UTC)
    return msg_id, moment, signature.split()


def _body(raw: bytes) -> tuple[str, dict[str, Any]]:
    try:
        text = raw.decode("utf-8")
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        raise bad_notice(
            "invalid_notice",
            'Die Meldung muss ein JSON-Objekt {"kreis_ags": "…", "period": "JJJJ-MM"} sein.',
            422,
        )
    return text, doc


def _signed_by(ags: str, msg_id: str, moment: datetime, text: str, given: list[str]) -> bool:
    matched = False
    for secret in credentials.signing_secrets(ags):
        expected = Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=text)
        for candidate in given:
            matched |= hmac.compare_digest(expected.encode(), candidate.encode("utf-8", "replace"))
    return matched


def verify(raw: bytes, headers: Any, now: datetime, today: date) -> tuple[str, str, str]:
    """``(kreis_ags, period, webhook_id)`` of a valid, first-seen notice; Refusal otherwise."""
    msg_id, moment, given = _headers(headers)
    if abs(now - moment) > TOLERANCE:
        raise bad_notice(
            "stale_timestamp",
            "Der Zeitstempel der Meldung (webhook-timestamp) liegt mehr als 5 Minuten neben "
            "der Uhr der Zentrale; bitte senden Sie eine neu signierte Meldung.",
        )
    text, doc = _body(raw)
    try:
        ags = keys.registered_ags(doc.get("kreis_ags"))
    except InvalidKey:
        raise unknown_jobcenter() from None
    if not _signed_by(ags, msg_id, moment, text, given):
        raise bad_notice(
            "bad_signature",
            "Die Signatur der Meldung stimmt nicht: Sie muss mit dem Signaturgeheimnis des "
            "genannten Jobcenters über »webhook-id.webhook-timestamp.Inhalt« gebildet sein.",
        )
    try:
        period = periods.reporting_period(doc.get("period"), today)
    except InvalidKey as exc:
        raise unknown_period(str(exc)) from None
    return ags, period, msg_id


def first_seen(kreis_ags: str, msg_id: str) -> bool:
    """Record ``msg_id`` of ``kreis_ags``; False if it was seen before (a replay)."""
    name = hashlib.sha256(f"{kreis_ags}:{msg_id}".encode()).hexdigest()
    directory = layout.gateway_notices_dir()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError:
        return False
    return True


def replayed() -> Refusal:
    return bad_notice(
        "replay",
        "Diese Meldung (webhook-id) ist bereits eingegangen und wird nicht erneut verarbeitet.",
        409,
    )
