"""The validation pages: every check of every report of a month, with the failing rows.

``docs/validation/<period>.html`` shows, per jobcenter, where its report of the month stands
(rejected first, then accepted with warnings, then accepted, then missing) and every rule of
every revision (broken, met, not checked, no previous month) with the rows that broke it;
``index.html`` counts per month how many reports are accepted, carry warnings, are rejected
or missing. German labels, German numbers, Berlin times. Rewritten from the verdict files
whenever a month gets a new verdict.

These are our own pages rather than GX Data Docs: the jobcenters' staff read them, so they
speak German, name jobcenters and Gemeinden, follow revisions and corrections, and list the
reports that are missing; GX Data Docs show one validation run of one batch in English.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.core import layout, periods, registry
from ingest.core.files import replace_atomic
from ingest.core.findings import describe_ref
from ingest.core.german import (
    count,
    template_environment,
)
from ingest.core.rules import HISTORY_RULES, SUITE_VERSION, rules
from ingest.core.states import STATES_DE
from ingest.validate.store import effective_warnings, read_verdicts

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SEVERITY_DE = {"hard": "Fehler (Ablehnung)", "soft": "Hinweis"}
# Where a jobcenter's report of a month stands, in the order the page lists them.
STANDING = ("rejected", "correction_rejected", "warnings", "accepted", "missing")
STANDING_DE = {**STATES_DE, "warnings": "angenommen, mit Hinweisen"}


@lru_cache(maxsize=1)
def _environment():
    env = template_environment(TEMPLATES_DIR)
    env.globals.update(count=count, STANDING_DE=STANDING_DE, SEVERITY_DE=SEVERITY_DE)
    return env


def _check(rule: str, meta: dict[str, Any], finding: dict[str, Any] | None, status: str) -> dict:
    """One line of a report's table of checks."""
    severity = finding["severity"] if finding is not None else meta["severity"]
    return {
        "rule": rule,
        "title": meta.get("title_de", rule),
        "severity": severity,
        "status": "verletzt" if finding is not None else status,
        "css": severity if finding is not None else ("ok" if status == "erfüllt" else "skip"),
        "message": finding["message"] if finding is not None else "",
        "rows": [describe_ref(ref) for ref in finding["rows"]] if finding is not None else [],
    }


def _checks(verdict: dict[str, Any], all_rules: dict[str, dict], suite_rules: list[str]) -> list:
    """Every rule of the suite for one verdict: broken, met, not checked or no history."""
    broken = {f["rule"]: f for f in verdict["findings"] + verdict["warnings"]}
    suite_ran = not any(rule not in suite_rules for rule in broken)
    checks = []
    for rule in list(all_rules) + [r for r in broken if r not in all_rules]:
        meta = all_rules.get(rule, {"severity": broken.get(rule, {}).get("severity", "hard")})
        skipped = rule in suite_rules and not suite_ran
        no_history = rule in HISTORY_RULES and not verdict.get("compared_with")
        status = "nicht geprüft" if skipped else ("kein Vormonat" if no_history else "erfüllt")
        checks.append(_check(rule, meta, broken.get(rule), status))
    return checks


def _name(kreis_ags: str) -> str:
    try:
        return registry.get(kreis_ags).name
    except KeyError:
        return "(nicht im Verzeichnis)"


def _standing(revisions: list[dict[str, Any]]) -> str:
    """Where a jobcenter's report stands from its verdicts, newest first."""
    latest = revisions[0]
    if latest["verdict"] != "accepted":
        ever = any(v["verdict"] == "accepted" for v in revisions[1:])
        return "correction_rejected" if ever else "rejected"
    return "warnings" if latest["warnings"] else "accepted"


def month_overview(period: str, verdicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per jobcenter of the registry (and any other that delivered): its standing
    and its revisions newest first, ordered rejected → warnings → accepted → missing."""
    by_ags: dict[str, list[dict[str, Any]]] = {jc: [] for jc in registry.by_ags()}
    for v in verdicts:
        v = {**v, "warnings": effective_warnings(v)}
        by_ags.setdefault(v["kreis_ags"], []).append(v)
    entries = []
    for ags, revisions in by_ags.items():
        revisions.sort(key=lambda v: v["revision"], reverse=True)
        standing = _standing(revisions) if revisions else "missing"
        entries.append(
            {"kreis_ags": ags, "name": _name(ags), "standing": standing, "revisions": revisions}
        )
    entries.sort(key=lambda e: (STANDING.index(e["standing"]), e["kreis_ags"]))
    return entries


def counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    """Jobcenters per standing (every key of :data:`STANDING`)."""
    out = dict.fromkeys(STANDING, 0)
    for e in entries:
        out[e["standing"]] += 1
    return out


def render_period_report(period: str, verdicts: list[dict[str, Any]]) -> str:
    """HTML page of a month: every jobcenter's standing, every check of every revision."""
    all_rules = rules()
    suite_rules = [r for r, m in all_rules.items() if m["checked_on"] != "structure"]
    entries = month_overview(period, verdicts)
    for e in entries:
        for v in e["revisions"]:
            v["anchor"] = f"jc{v['kreis_ags']}r{v['revision']}"
            v["checks"] = _checks(v, all_rules, suite_rules)
    return (
        _environment()
        .get_template("period.html.j2")
        .render(
            period=period,
            due=periods.due_date(period),
            suite=SUITE_VERSION,
            n_rules=len(all_rules),
            entries=entries,
            counts=counts(entries),
        )
    )


def report_path(period: str) -> Path:
    """Where the HTML validation report of a period lives."""
    return layout.docs_dir("validation") / f"{period}.html"


def render_index(verdicts: list[dict[str, Any]]) -> str:
    """The index: one row per month with a verdict (newest first), its counts and its page."""
    by_period: dict[str, list[dict[str, Any]]] = {}
    for v in verdicts:
        by_period.setdefault(v["period"], []).append(v)
    rows = [
        {"period": p, "due": periods.due_date(p), "counts": counts(month_overview(p, vs))}
        for p, vs in sorted(by_period.items(), reverse=True)
    ]
    n = len(registry.by_ags())
    return _environment().get_template("index.html.j2").render(rows=rows, n=n)


def write_pages(months: list[str]) -> list[Path]:
    """(Re)write the validation pages of ``months`` and the index, from the verdict files."""
    written = []
    for period in sorted(set(months)):
        path = report_path(period)
        replace_atomic(path, render_period_report(period, read_verdicts(period)).encode("utf-8"))
        written.append(path)
    index = layout.docs_dir("validation") / "index.html"
    replace_atomic(index, render_index(read_verdicts()).encode("utf-8"))
    return written
