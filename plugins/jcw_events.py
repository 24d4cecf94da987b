"""The AssetWatcher trigger that turns event files into asset events (used by ``jcw_intake``).

``EventFileTrigger`` (a ``BaseEventTrigger``) runs in the triggerer: it claims new files of
the event inbox (:mod:`ingest.collect.events`, which owns the folders and the file format)
and fires one trigger event per scan that claimed anything. The DAG file imports this module
at parse time, so the product is imported only when the trigger runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent


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
        from ingest.collect.events import claim_new, events_dir

        directory = Path(self.directory) if self.directory else events_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.log.info("watching %s for event files every %.1f s", directory, self.poll_interval)
        while True:
            claimed = await asyncio.to_thread(claim_new, directory)
            if claimed:
                self.log.info("claimed %d event file(s): %s", len(claimed), ", ".join(claimed))
                yield TriggerEvent({"claimed": claimed, "directory": str(directory)})
            await asyncio.sleep(self.poll_interval)
