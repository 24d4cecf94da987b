"""The jobcenters' side of the intake gateway: signed notices and push uploads over HTTP.

A jobcenter reaches the product only over HTTP, as a real one would. When it publishes or
corrects a report, the simulator either **pushes** the file (``PUT /v1/reports/{ags}/{period}``
with the jobcenter's delivery key; jobcenters listed under ``keys`` of the credentials file)
or sends a **signed notice** (``POST /v1/notifications`` per the Standard Webhooks
specification, with the jobcenter's secret; jobcenters under ``secrets``). The credentials
file is issued by the product (``jcw gateway credentials --out FILE --push AGS ...``):

    {"gateway": "http://127.0.0.1:8090", "keys": {"05113": "jcw_..."},
     "secrets": {"01001": "whsec_...", ...}}

Pushed bytes are exactly the bytes the endpoint serves, so the ground truth does not change
with the channel. A refusal or an unreachable gateway is logged and reported in the event
(``delivery``), never raised: the product's daily sweep is the safety net.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from standardwebhooks.webhooks import Webhook

log = logging.getLogger(__name__)

TIMEOUT_S = 30


class GatewayClient:
    """Deliveries to the product's gateway for the jobcenters in ``credentials``."""

    def __init__(self, url: str, keys: dict[str, str], secrets: dict[str, str]) -> None:
        self.url = url.rstrip("/")
        self.keys = dict(keys)
        self.secrets = dict(secrets)
        self.session = requests.Session()

    @classmethod
    def from_file(cls, path: Path, url: str | None = None) -> GatewayClient:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return cls(url or doc["gateway"], doc.get("keys") or {}, doc.get("secrets") or {})

    def channel(self, kreis_ags: str) -> str | None:
        """``push``, ``notice`` or None (the jobcenter only serves its reports)."""
        if kreis_ags in self.keys:
            return "push"
        return "notice" if kreis_ags in self.secrets else None

    def push(
        self, kreis_ags: str, period: str, body: bytes, content_type: str
    ) -> tuple[int, dict[str, Any]]:
        """Upload one report; the HTTP status and the feedback's verdict, revision and
        number of findings (empty for a refusal)."""
        resp = self.session.put(
            f"{self.url}/v1/reports/{kreis_ags}/{period}",
            data=body,
            headers={
                "Authorization": f"Bearer {self.keys[kreis_ags]}",
                "Content-Type": content_type,
                "Accept": "application/json",
            },
            timeout=TIMEOUT_S,
        )
        try:
            doc = resp.json()
        except ValueError:
            doc = {}
        summary = {
            "verdict": doc.get("verdict"),
            "revision": doc.get("revision"),
            "findings": len(doc.get("findings") or []),
        }
        return resp.status_code, summary if doc.get("verdict") else {}

    def notice(self, kreis_ags: str, period: str, now: datetime) -> int:
        """Send one signed "published" notice; the HTTP status of the gateway's answer."""
        body = json.dumps({"kreis_ags": kreis_ags, "period": period})
        msg_id = f"msg_{uuid.uuid4().hex}"
        stamp = now.astimezone(UTC)
        signature = Webhook(self.secrets[kreis_ags]).sign(msg_id=msg_id, timestamp=stamp, data=body)
        resp = self.session.post(
            f"{self.url}/v1/notifications",
            data=body.encode("utf-8"),
            headers={
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(stamp.timestamp())),
                "webhook-signature": signature,
                "Content-Type": "application/json",
            },
            timeout=TIMEOUT_S,
        )
        return resp.status_code

    def deliver(self, served: Any, now: datetime) -> dict[str, Any] | None:
        """Push or announce one published revision; ``{"channel", "status"}`` (a push adds
        the feedback's ``verdict``, ``revision`` and ``findings`` count) or None."""
        channel = self.channel(served.kreis_ags)
        if channel is None:
            return None
        feedback: dict[str, Any] = {}
        try:
            if channel == "push":
                status, feedback = self.push(
                    served.kreis_ags, served.period, served.body, served.content_type
                )
            else:
                status = self.notice(served.kreis_ags, served.period, now)
        except requests.RequestException as exc:
            log.error("gateway unreachable for %s %s: %s", served.kreis_ags, served.period, exc)
            return {"channel": channel, "status": None}
        if status >= 400 and status != 422:  # 422: a rejected report, an answer too
            log.error("gateway refused %s %s: %s", served.kreis_ags, served.period, status)
        return {"channel": channel, "status": status, **feedback}
