"""The event inbox (ingest/collect/events.py) on real files."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.collect import events as events_module


def drop(directory: Path, name: str, **body) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps(body))


def test_claim_moves_only_final_event_files(tmp_path: Path) -> None:
    drop(tmp_path, "a.json", kreis_ags="08111", period="2026-10", revision=1)
    drop(tmp_path, ".b.json.tmp", kreis_ags="08111", period="2026-10", revision=2)
    drop(tmp_path, "c.txt", note="not an event")
    assert events_module.claim_new(tmp_path) == ["a.json"]
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["a.json"]
    assert (tmp_path / ".b.json.tmp").exists() and (tmp_path / "c.txt").exists()
    assert events_module.claim_new(tmp_path) == []


def test_pending_drains_inbox_and_new_files_and_keeps_bad_ones(
    tmp_path: Path,
) -> None:
    drop(tmp_path / "inbox", "1.json", kreis_ags="08111", period="2026-09", revision=1)
    drop(tmp_path, "2.json", kreis_ags="03157", period="2026-10", revision=2)
    (tmp_path / "3.json").write_text("{not json")
    events = events_module.pending(tmp_path)
    assert [(e["file"], e["kreis_ags"], e["period"]) for e in events] == [
        ("1.json", "08111", "2026-09"),
        ("2.json", "03157", "2026-10"),
    ]
    # The unreadable file is kept for the operator, not dropped.
    assert (tmp_path / "invalid" / "3.json").read_text() == "{not json"
    # Nothing leaves the inbox before it is acknowledged: a failed run loses nothing.
    assert len(events_module.pending(tmp_path)) == 2
    assert events_module.acknowledge(tmp_path, ["1.json", "2.json", "gone.json"]) == 2
    assert events_module.pending(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["1.json", "2.json"]
