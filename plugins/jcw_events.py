"""The event inbox and the AssetWatcher trigger that turns event files into asset events.

The simulator (or a real jobcenter's notification relay) drops one JSON file per publication
or correction into ``<JCW_DATA_DIR>/events/``: ``{"kreis_ags", "period", "revision", "etag",
"published_at"}``. Files move through three folders, each move an atomic ``os.replace``:

    events/*.json  --claim-->  events/inbox/  --acknowledge-->  events/done/
                                          \\--(unreadable)-->  events/invalid/

``EventFileTrigger`` (a ``BaseEventTrigger``, used as an AssetWatcher in ``jcw_intake``)
claims new files into the inbox and fires one trigger event per scan that claimed anything.
The intake DAG does not trust the events it was handed (bursts coalesce: platform notes §3):
it claims whatever is still lying in ``events/`` itself, processes *every* file in the inbox,
and acknowledges the files only after their reports were landed and validated. A run that
fails leaves its files in the inbox for the next run or the daily sweep.

Standard library only: the triggerer imports this module from the plugins folder.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

log = logging.getLogger(__name__)

INBOX = "inbox"
DONE = "done"
INVALID = "invalid"


def events_dir() -> Path:
    """``<JCW_DATA_DIR>/events`` (the simulator's ``--notify-dir`` in the embedded default)."""
    from ingest import settings

    return settings.data_dir() / "events"


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


class EventFileTrigger(BaseEventTrigger):
    """Watch the events folder; claim new files and fire one event per non-empty scan.

    It never returns: the triggerer keeps one instance per watcher running. ``directory``
    defaults to ``<JCW_DATA_DIR>/events`` of the triggerer process.
    """

    def __init__(self, directory: str | None = None, poll_interval: float = 1.0) -> None:
        super().__init__()
        self.directory = directory
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "jcw_events.EventFileTrigger",
            {"directory": self.directory, "poll_interval": self.poll_interval},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        directory = Path(self.directory) if self.directory else events_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.log.info("watching %s for event files every %.1f s", directory, self.poll_interval)
        while True:
            claimed = await asyncio.to_thread(claim_new, directory)
            if claimed:
                self.log.info("claimed %d event file(s): %s", len(claimed), ", ".join(claimed))
                yield TriggerEvent({"claimed": claimed, "directory": str(directory)})
            await asyncio.sleep(self.poll_interval)
