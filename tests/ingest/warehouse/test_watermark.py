"""The warehouse's changed-month detection (ingest/warehouse/watermark.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ingest.warehouse import watermark


def test_changed_periods_sees_verdicts_written_since_the_watermark(tmp_path: Path) -> None:
    old = tmp_path / "2026-09" / "08111" / "r0001.json"
    new = tmp_path / "2026-10" / "03157" / "r0002.json"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    now = time.time()
    os.utime(old, (now - 3600, now - 3600))
    assert watermark.changed_periods(tmp_path, None) is None  # first build: everything
    assert watermark.changed_periods(tmp_path, now - 60) == ["2026-10"]
    assert watermark.changed_periods(tmp_path, now + 60) == []

    mark = tmp_path / "wm.json"
    assert watermark.read_watermark(mark) is None
    watermark.write_watermark(mark, now)
    assert watermark.read_watermark(mark) == now


def test_warehouse_behind_until_a_build_covers_every_verdict(data_dir: Path) -> None:
    assert watermark.warehouse_behind() is False  # nothing validated yet
    verdict = data_dir / "validation" / "2026-10" / "08111" / "r0001.json"
    verdict.parent.mkdir(parents=True)
    verdict.write_text("{}")
    assert watermark.warehouse_behind() is True  # never built
    watermark.write_watermark(watermark.watermark_path(), time.time() + 5)
    assert watermark.warehouse_behind() is False
    assert watermark.unbuilt_periods() == []
    later = data_dir / "validation" / "2026-09" / "03157" / "r0002.json"
    later.parent.mkdir(parents=True)
    later.write_text("{}")
    os.utime(later, (time.time() + 60, time.time() + 60))
    assert watermark.unbuilt_periods() == ["2026-09"]
