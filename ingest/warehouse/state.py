"""The state of the last warehouse build: ``warehouse/build_state.json``.

Written by every build (running, failed with the nodes that failed, or success with the
dbt invocation); publish refuses anything but a success, and the next build plans from it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ingest.warehouse.dbt import fsync


def read_state(wh: Path) -> dict:
    try:
        return json.loads((wh / "build_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_state(wh: Path, state: dict) -> None:
    tmp = wh / f"build_state.json.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    fsync(tmp)
    os.replace(tmp, wh / "build_state.json")
