"""The state of the last warehouse build: ``warehouse/build_state.json``.

Written by every build (running, failed with the nodes that failed, or success with the
dbt invocation); publish refuses anything but a success, and the next build plans from it.
The dbt docs keep theirs beside it (``docs_state.json``: the day and the dbt project of the
page).
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.core import files

BUILD_STATE = "build_state.json"


def read_state(wh: Path, name: str = BUILD_STATE) -> dict:
    try:
        return json.loads((wh / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_state(wh: Path, state: dict, name: str = BUILD_STATE) -> None:
    files.replace_json(wh / name, state)
