"""Delivery keys (push uploads) and signing secrets (notices), one set per jobcenter.

A delivery key is ``jcw_<kreis_ags>_<43 random characters>``: it names its jobcenter, so a
key for another jobcenter is told from a wrong key (403, not 401) without a search. Only its
SHA-256 is stored (``gateway/keys/<ags>.json``); it is printed once when issued. At most
:data:`MAX_VALID` keys are valid at once, so a jobcenter can roll a new key out before the
old one stops working: issuing a third key retires the oldest, and ``--revoke`` retires all.

A signing secret (``whsec_<base64>``, the Standard Webhooks format) must be kept in clear
text, because the gateway computes the HMAC with it: ``gateway/secrets/<ags>.json``, mode
0600. Two may be valid at once, like keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.core import keys, layout
from ingest.core.files import replace_atomic

MAX_VALID = 2
KEY_PREFIX = "jcw_"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
_KEY = re.compile(r"jcw_([0-9]{5})_[A-Za-z0-9_-]{43}", re.ASCII)


@dataclass(frozen=True)
class KeyCheck:
    """Who a presented key belongs to: ``kreis_ags`` (None if it is no valid key) and a
    short id of its hash (for the attempt record and the rate limit; never the key)."""

    kreis_ags: str | None
    key_id: str | None


def key_hash(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return list(doc.get("valid", []))


def _write(path: Path, entries: list[dict[str, Any]], mode: int = 0o644) -> None:
    replace_atomic(path, json.dumps({"valid": entries}, indent=1).encode("utf-8"))
    os.chmod(path, mode)


def issue_key(kreis_ags: str, issued_at: datetime) -> str:
    """A new delivery key for ``kreis_ags`` (returned once; only its hash is stored)."""
    ags = keys.registered_ags(kreis_ags)
    key = f"{KEY_PREFIX}{ags}_{secrets.token_urlsafe(32)}"
    path = layout.gateway_keys(ags)
    entries = _read(path) + [{"sha256": key_hash(key), "issued_at": issued_at.isoformat()}]
    _write(path, entries[-MAX_VALID:])
    return key


def revoke_keys(kreis_ags: str) -> int:
    """Retire every key of ``kreis_ags``; how many were valid."""
    path = layout.gateway_keys(keys.registered_ags(kreis_ags))
    count = len(_read(path))
    _write(path, [])
    return count


def check_key(presented: str | None) -> KeyCheck:
    """Whose valid key ``presented`` is. The hash is compared with every valid hash of the
    jobcenter it names, in constant time, and no comparison is skipped."""
    if not presented:
        return KeyCheck(None, None)
    match = _KEY.fullmatch(presented)
    if not match:
        return KeyCheck(None, None)
    digest = key_hash(presented)
    found = False
    for entry in _read(layout.gateway_keys(match.group(1))):
        found |= hmac.compare_digest(digest, str(entry.get("sha256", "")))
    return KeyCheck(match.group(1) if found else None, digest[:12])


def key_id_valid(kreis_ags: str, key_id: str) -> bool:
    """True while a valid key of ``kreis_ags`` has this short id (a page session's key)."""
    found = False
    for entry in _read(layout.gateway_keys(keys.kreis_ags(kreis_ags))):
        digest = str(entry.get("sha256", ""))
        found |= bool(key_id) and hmac.compare_digest(digest[: len(key_id)], key_id)
    return found


def issue_secret(kreis_ags: str, issued_at: datetime) -> str:
    """A new signing secret for ``kreis_ags`` (the second valid one retires the third)."""
    ags = keys.registered_ags(kreis_ags)
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    path = layout.gateway_secrets(ags)
    entries = _read(path) + [{"secret": secret, "issued_at": issued_at.isoformat()}]
    _write(path, entries[-MAX_VALID:], mode=0o600)
    return secret


def signing_secrets(kreis_ags: str) -> list[str]:
    """The valid signing secrets of ``kreis_ags`` (newest last)."""
    path = layout.gateway_secrets(keys.kreis_ags(kreis_ags))
    return [str(e["secret"]) for e in _read(path) if e.get("secret")]
