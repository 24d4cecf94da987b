"""The validation pages: every check of every report of a month, with the failing rows.

``docs/validation/<period>.html`` lists each report of the month with every rule (broken,
met, not checked, no previous month) and the rows that broke it; ``index.html`` links the
months. Rewritten from the verdict files whenever a month gets a new verdict.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.core import layout, registry
from ingest.core.files import replace_atomic
from ingest.core.rules import HISTORY_RULES, SUITE_VERSION, rules
from ingest.validate.store import read_verdicts

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True)


def _check(rule: str, meta: dict[str, Any], finding: dict[str, Any] | None, status: str) -> dict:
    """One line of a report's table of checks."""
    if finding is not None:
        return {
            "rule": rule,
            "title": meta.get("title_de", rule),
            "severity": finding["severity"],
            "status": "verletzt",
            "css": finding["severity"],
            "message": finding["message"],
            "rows": finding["rows"],
        }
    return {
        "rule": rule,
        "title": meta.get("title_de", rule),
        "severity": meta["severity"],
        "status": status,
        "css": "ok" if status == "erfüllt" else "skip",
        "message": "",
        "rows": [],
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


def render_period_report(period: str, verdicts: list[dict[str, Any]]) -> str:
    """HTML page listing every check of every report of a period, with the failing rows."""
    all_rules = rules()
    suite_rules = [r for r, m in all_rules.items() if m["checked_on"] != "structure"]
    reports = []
    for v in verdicts:
        try:
            name = registry.get(v["kreis_ags"]).name
        except KeyError:
            name = ""
        reports.append(
            {
                **v,
                "name": name,
                "anchor": f"jc{v['kreis_ags']}r{v['revision']}",
                "checks": _checks(v, all_rules, suite_rules),
            }
        )
    return (
        _environment()
        .get_template("period.html.j2")
        .render(
            period=period,
            suite=SUITE_VERSION,
            n_rules=len(all_rules),
            reports=reports,
            accepted=sum(1 for r in reports if r["verdict"] == "accepted"),
            rejected=sum(1 for r in reports if r["verdict"] != "accepted"),
            warned=sum(1 for r in reports if r["warnings"]),
        )
    )


def report_path(period: str) -> Path:
    """Where the HTML validation report of a period lives."""
    return layout.docs_dir("validation") / f"{period}.html"


def write_period_report(period: str) -> Path:
    """(Re)write the HTML validation report of a period from its verdict files."""
    path = report_path(period)
    replace_atomic(path, render_period_report(period, read_verdicts(period)).encode("utf-8"))
    pages = sorted((p.stem for p in path.parent.glob("*.html") if p.stem != "index"), reverse=True)
    index = _environment().get_template("index.html.j2").render(pages=pages)
    replace_atomic(path.parent / "index.html", index.encode("utf-8"))
    return path
