"""The state of the last warehouse build: ``warehouse/build_state.json``.

Written by every build (running, failed with the nodes that failed, or success with the
dbt invocation); publish refuses anything but a success, and the next build plans from it.
The dbt docs keep theirs beside it (``docs_state.json``: the day and the dbt project of the
page).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ingest.warehouse.dbt import fsync

BUILD_STATE = "build_state.json"


def read_state(wh: Path, name: str = BUILD_STATE) -> dict:
    try:
        return json.loads((wh / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_state(wh: Path, state: dict, name: str = BUILD_STATE) -> None:
    tmp = wh / f"{name}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    fsync(tmp)
    os.replace(tmp, wh / name)
