"""The event inbox: announced publications and corrections, ``events/`` below the data dir.

A notifier drops one JSON file per publication or correction into ``events/``:
``{"kreis_ags", "period", "revision", "etag", "published_at"}``. Files move through three
folders, each move an atomic ``os.replace``:

    events/*.json  --claim-->  events/inbox/  --acknowledge-->  events/done/
                                          \\--(unreadable)-->  events/invalid/

The AssetWatcher trigger (``plugins/jcw_events.py``) claims new files and fires an asset
event; ``jcw_intake`` reads every file in the inbox (bursts of asset events coalesce, so it
never trusts the events it was handed) and acknowledges them after their reports were
landed and validated. A run that fails leaves its files in the inbox for the next one.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from ingest.core import layout

log = logging.getLogger(__name__)

INBOX = "inbox"
DONE = "done"
INVALID = "invalid"


def events_dir() -> Path:
    """Where event files arrive (``<JCW_DATA_DIR>/events``)."""
    return layout.events_dir()


def _is_event_file(path: Path) -> bool:
    # Writers use a temporary name and rename into place; only final names count.
    return path.is_file() and path.suffix == ".json" and not path.name.startswith(".")


def claim_new(directory: Path) -> list[str]:
    """Move every new event file from ``directory`` into its inbox; return the claimed names."""
    inbox = directory / INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    claimed = []
    for path in sorted(directory.iterdir()):
        if not _is_event_file(path):
            continue
        try:
            os.replace(path, inbox / path.name)
        except FileNotFoundError:
            continue  # another claimer took it first
        claimed.append(path.name)
    return claimed


def pending(directory: Path) -> list[dict[str, Any]]:
    """Claim new files, then read every event in the inbox (oldest name first).

    An unreadable file is moved to ``events/invalid/`` and reported in the log with its name:
    it is kept for the operator, never dropped silently.
    """
    claim_new(directory)
    events = []
    for path in sorted((directory / INBOX).iterdir()):
        if not _is_event_file(path):
            continue
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            event = {
                "file": path.name,
                "kreis_ags": str(body["kreis_ags"]),
                "period": str(body["period"]),
                "revision": body.get("revision"),
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            invalid = directory / INVALID
            invalid.mkdir(parents=True, exist_ok=True)
            os.replace(path, invalid / path.name)
            log.error("event file %s is unreadable (%s); moved to %s", path.name, exc, invalid)
            continue
        events.append(event)
    return events


def acknowledge(directory: Path, files: list[str]) -> int:
    """Move processed files from the inbox to ``events/done/``; return how many moved."""
    done = directory / DONE
    done.mkdir(parents=True, exist_ok=True)
    moved = 0
    for name in files:
        try:
            os.replace(directory / INBOX / name, done / name)
            moved += 1
        except FileNotFoundError:
            continue  # acknowledged by a concurrent run already
    return moved
