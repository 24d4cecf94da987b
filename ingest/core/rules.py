"""The rule list of submission contract v1, read from the suites in ``expectations/``.

The GX suite files are the source of truth for every rule: ``report_rows.json`` (rows of
reports, plus the structural checks made before the suite in its meta), ``report_cells.json``
(one row per numeric cell) and ``report_totals.json`` (one row per report). Each expectation
carries ``meta.rule`` (stable id), ``meta.severity`` (hard/soft), ``meta.title_de``,
``meta.description_de`` and ``meta.fix_de`` (the German texts of pages and mails). This
module reads them as plain JSON; the Great Expectations engine lives in
:mod:`ingest.validate.engine`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ingest.core import settings

SUITE_FILES = ("report_rows.json", "report_cells.json", "report_totals.json")
SUITE_VERSION = "report_v1"
# Rules that compare with the previous accepted month (not applicable without one).
HISTORY_RULES = frozenset(
    {"elb_change_vs_previous", "gemeinde_missing_vs_previous", "gemeinde_new_vs_previous"}
)


@lru_cache(maxsize=1)
def load_suites() -> dict[str, dict[str, Any]]:
    """The suite documents of ``expectations/`` by suite name (parsed JSON, not GX objects)."""
    suites = {}
    for name in SUITE_FILES:
        path = settings.EXPECTATIONS_DIR / name
        doc = json.loads(path.read_text(encoding="utf-8"))
        for exp in doc["expectations"]:
            meta = exp.get("meta", {})
            missing = {"rule", "severity", "title_de", "description_de"} - meta.keys()
            if missing or meta["severity"] not in ("hard", "soft"):
                raise ValueError(f"{path}: expectation {exp['type']} lacks valid meta {missing}")
        suites[doc["name"]] = doc
    return suites


def rules() -> dict[str, dict[str, Any]]:
    """Every rule id with severity, German description, fix and where it is checked, in order."""
    out: dict[str, dict[str, Any]] = {}
    rows_doc = load_suites()["report_rows"]
    for meta in rows_doc["meta"]["checked_before_suite"]:
        out[meta["rule"]] = {**meta, "checked_on": "structure"}
    for suite_name, doc in load_suites().items():
        for exp in doc["expectations"]:
            meta = exp["meta"]
            entry = out.setdefault(meta["rule"], {**meta, "checked_on": suite_name, "columns": []})
            if meta.get("report_column") and meta["report_column"] not in entry["columns"]:
                entry["columns"].append(meta["report_column"])
    return out


def structural_meta(rule: str) -> dict[str, Any]:
    """The meta of a check made before the suite runs (column set, numeric values)."""
    for meta in load_suites()["report_rows"]["meta"]["checked_before_suite"]:
        if meta["rule"] == rule:
            return meta
    raise KeyError(rule)


def fix_text(rule: str) -> str | None:
    """What the jobcenter must do for a rule (``fix_de`` of the suite), if known."""
    try:
        return rules().get(rule, {}).get("fix_de")
    except (OSError, ValueError, KeyError):
        return None
