"""The record of every request to the gateway: ``gateway/attempts/<day>.jsonl``.

One JSON line per attempt, refused ones included: when (UTC), channel (``push``, ``notice``,
``page``), the jobcenter and month as requested (shown, never trusted), the key's short id
(a prefix of its hash, never the key), the HTTP status, a reason code, and for landed
uploads the revision, sha256 and verdict. No key, secret or signature is ever written.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from typing import Any

from ingest.core import layout
from ingest.core.clock import berlin_day

_lock = threading.Lock()
# Fields a record may have; anything else is dropped, so a careless caller cannot log more.
FIELDS = (
    "at",
    "channel",
    "status",
    "reason",
    "kreis_ags",
    "period",
    "key_id",
    "webhook_id",
    "client",
    "size",
    "content_type",
    "revision",
    "sha256",
    "verdict",
    "findings",
)


def _clean(text: str, limit: int = 80) -> str:
    """Outside text as it may be recorded: printable, one line, at most ``limit`` chars."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(at: datetime, **fields: Any) -> None:
    """Append one attempt (appends are single ``write`` calls on an O_APPEND file)."""
    doc: dict[str, Any] = {"at": at.isoformat()}
    for name in FIELDS[1:]:
        value = fields.get(name)
        if value is None:
            continue
        doc[name] = value if isinstance(value, int | float) else _clean(str(value))
    line = (json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    path = layout.gateway_attempts(berlin_day(at))
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def read_day(day: Any) -> list[dict[str, Any]]:
    """Every attempt of one day (for tests and the operator)."""
    path = layout.gateway_attempts(day)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
