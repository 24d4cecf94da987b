"""The fetch log: the last fetch outcome of each report, ``fetch_log/<period>/<ags>.json``.

Every fetch attempt replaces the file, so the status view can tell "not published yet" from
"endpoint broken" without a database. Outcomes: ``landed`` (new bytes), ``unchanged`` (304 or
bytes already landed), ``not_published`` (404) and ``failed`` (with a ``kind`` and a reason).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ingest.core import layout
from ingest.core.files import replace_json
from ingest.core.german import month_name
from ingest.core.states import FETCH_FAILURES_DE, FETCH_OUTCOMES_DE, labelled

OUTCOMES = ("landed", "unchanged", "not_published", "failed")


def outcome(
    kreis_ags: str,
    period: str,
    result: str,
    at: datetime,
    *,
    kind: str | None = None,
    reason: str | None = None,
    revision: int | None = None,
    sha256: str | None = None,
    is_new: bool = False,
) -> dict[str, Any]:
    """The document of one fetch outcome (JSON-serialisable, no tokens)."""
    return {
        "kreis_ags": kreis_ags,
        "period": period,
        "outcome": result,
        "kind": kind,
        "reason": reason,
        "revision": revision,
        "sha256": sha256,
        "is_new": is_new,
        "at": at.isoformat(),
    }


def write(doc: dict[str, Any]) -> None:
    """Replace the fetch log of the outcome's report with ``doc``."""
    replace_json(layout.fetch_log(doc["kreis_ags"], doc["period"]), doc)


def read(kreis_ags: str, period: str) -> dict[str, Any] | None:
    """The last fetch outcome of one report, or None if it was never fetched."""
    try:
        return json.loads(layout.fetch_log(kreis_ags, period).read_bytes())
    except FileNotFoundError:
        return None


def describe(doc: dict[str, Any]) -> str:
    """One line for a task log: ``Oktober 2026 (2026-10): neu abgelegt (landed), Revision 2``;
    a failure names its kind and reason."""
    line = f"{month_name(doc['period'])} ({doc['period']}): "
    line += labelled(doc.get("outcome"), FETCH_OUTCOMES_DE)
    if doc.get("revision") is not None:
        line += f", Revision {doc['revision']}"
    if doc.get("outcome") == "failed":
        line += f": {labelled(doc.get('kind'), FETCH_FAILURES_DE)}: {doc.get('reason')}"
    return line
