"""The AssetWatcher trigger (plugins/jcw_events.py) on real files."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


@pytest.fixture(scope="module")
def events_module():
    sys.path.insert(0, str(PLUGINS))
    try:
        import jcw_events

        yield jcw_events
    finally:
        sys.path.remove(str(PLUGINS))


def drop(directory: Path, name: str, **body) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps(body))


def test_trigger_fires_one_event_per_scan_with_the_claimed_files(
    tmp_path: Path, events_module
) -> None:
    trigger = events_module.EventFileTrigger(directory=str(tmp_path), poll_interval=0.1)
    classpath, kwargs = trigger.serialize()
    assert classpath == "jcw_events.EventFileTrigger"
    assert kwargs == {"directory": str(tmp_path), "poll_interval": 0.1}

    async def first_event():
        stream = trigger.run()
        try:
            return await asyncio.wait_for(anext(stream), timeout=10)
        finally:
            await stream.aclose()

    drop(tmp_path, "x.json", kreis_ags="08111", period="2026-10", revision=2)
    drop(tmp_path, "y.json", kreis_ags="08115", period="2026-10", revision=1)
    event = asyncio.run(first_event())
    assert event.payload == {"claimed": ["x.json", "y.json"], "directory": str(tmp_path)}
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["x.json", "y.json"]
