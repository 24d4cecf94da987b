"""Validation of reports against submission contract v1, with Great Expectations.

:func:`validate_many` concatenates all reports of a batch and runs each suite once on the
shared engine (:mod:`ingest.validate.engine`), then attributes every unexpected row back to
its report. The result is one :class:`Verdict` per report: accepted, or rejected with the
hard rules it broke; soft rules broken are warnings either way. The rules and their German
texts come from ``expectations/`` (:mod:`ingest.core.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ingest.core import clock, periods, registry
from ingest.core.findings import Finding
from ingest.core.german import fmt_int, fmt_num, fmt_share
from ingest.core.rules import SUITE_VERSION, rules
from ingest.validate import frames
from ingest.validate.engine import engine

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Verdict:
    """The outcome of validating one report revision."""

    kreis_ags: str
    period: str
    verdict: str  # "accepted" or "rejected"
    findings: list[Finding] = field(default_factory=list)  # hard rules broken
    warnings: list[Finding] = field(default_factory=list)  # soft rules broken
    suite: str = SUITE_VERSION
    revision: int | None = None
    sha256: str | None = None
    # The accepted month the history rules compared with: {"period", "revision"} or None.
    compared_with: dict[str, Any] | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"

    def to_dict(self) -> dict[str, Any]:
        """The verdict document of docs/architecture.md (JSON-serialisable)."""
        return {
            "kreis_ags": self.kreis_ags,
            "period": self.period,
            "revision": self.revision,
            "sha256": self.sha256,
            "verdict": self.verdict,
            "suite": self.suite,
            "findings": [f.to_dict() for f in self.findings],
            "warnings": [w.to_dict() for w in self.warnings],
            "compared_with": self.compared_with,
        }


def validate_many(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
    *,
    today: date | None = None,
) -> list[Verdict]:
    """Validate a batch of reports ``(kreis_ags, period, df, previous_df | None)`` at once.

    ``df`` has the canonical columns (plus ``_row``, the 1-based delivered row, and
    ``_line``, its spreadsheet line where it has one);
    ``previous_df`` is the latest accepted revision of the month before, or None.
    ``today`` is the reference date (default :func:`ingest.core.clock.today`): a month after
    its month has no report yet. Verdicts come back in input order. Raises KeyError for a
    jobcenter not in the registry.
    """
    today = clock.today(today)
    hard: list[dict[str, Finding]] = [{} for _ in reports]
    soft: list[dict[str, Finding]] = [{} for _ in reports]
    for kreis_ags, _period, _df, _prev in reports:
        registry.get(kreis_ags)
    structural: dict[int, Finding] = {}
    rows = frames.rows_frame(reports, structural)
    for i, finding in structural.items():
        hard[i][finding.rule] = finding
    ids = [i for i in range(len(reports)) if i not in structural]
    if ids:
        _run_suites(reports, rows, ids, hard, soft, today)

    order = list(rules())
    verdicts = []
    for i, (kreis_ags, period, _df, prev) in enumerate(reports):
        rank = {rule: n for n, rule in enumerate(order)}
        findings = sorted(hard[i].values(), key=lambda f: rank.get(f.rule, len(rank)))
        warnings = sorted(soft[i].values(), key=lambda f: rank.get(f.rule, len(rank)))
        for f in findings + warnings:
            f.rows.sort(key=lambda r: (r["row"] is None, r["row"] or 0, str(r["column"])))
        verdicts.append(
            Verdict(
                kreis_ags=kreis_ags,
                period=period,
                verdict="rejected" if findings else "accepted",
                findings=findings,
                warnings=warnings,
                compared_with=_history_ref(prev),
            )
        )
    return verdicts


def _run_suites(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
    rows: pd.DataFrame,
    ids: list[int],
    hard: list[dict[str, Finding]],
    soft: list[dict[str, Finding]],
    today: date,
) -> None:
    """Run the three suites; add each broken rule to the findings of its report."""
    gx = engine()
    for suite_name, frame in (
        ("report_rows", rows),
        ("report_cells", frames.cells_frame(rows)),
    ):
        for meta, index in gx.run(suite_name, frame):
            for idx in index:
                i = int(frame.at[idx, "_report"])
                target = hard[i] if meta["severity"] == "hard" else soft[i]
                finding = target.setdefault(
                    meta["rule"],
                    Finding(meta["rule"], meta["severity"], meta["description_de"]),
                )
                finding.rows.append(frames.cell_ref(frame, idx, meta))
    totals = frames.totals(reports, rows, ids, today)
    records = totals.to_dict("records")
    for meta, index in gx.run("report_totals", totals.drop(columns=["_missing", "_exact_cents"])):
        for idx in index:
            t = records[int(idx)]
            i = int(t["_report"])
            target = hard[i] if meta["severity"] == "hard" else soft[i]
            finding = _totals_finding(meta, t, today)
            if meta["rule"] in target:  # a rule with several columns (money totals)
                target[meta["rule"]].rows.extend(finding.rows)
            else:
                target[meta["rule"]] = finding


def _history_ref(previous: pd.DataFrame | None) -> dict[str, Any] | None:
    """Which month (and revision, if known) a report's history rules compared with."""
    if previous is None:
        return None
    ref: dict[str, Any] = {"period": None, "revision": None}
    for key in ref:
        if key in previous.columns and len(previous):
            ref[key] = frames.plain(previous[key].iloc[0])
    return ref


def validate_report(
    df: pd.DataFrame,
    kreis_ags: str,
    period: str,
    *,
    previous: pd.DataFrame | None,
    today: date | None = None,
) -> Verdict:
    """Validate one report (used by ``jcw check``); see :func:`validate_many`."""
    return validate_many([(kreis_ags, period, df, previous)], today=today)[0]


def _bounds_detail(meta: dict, t: dict[str, Any], today: date) -> tuple[str, list[dict]]:
    """Message detail and rows of the rules that keep a report within the warehouse."""
    ref = {"row": None, "gemeinde_ags": None}
    if meta["rule"] == "period_in_reporting_range":
        first = periods.calendar().first_period
        detail = (
            f"Berichtsmonat {t['period']}; Berichte gibt es für {first} bis "
            f"{periods.period_of(today)} (Stand {today.isoformat()})."
        )
        return detail, [{**ref, "column": "period", "value": t["period"]}]
    column = meta["report_column"]
    cents = t["_exact_cents"][column]
    detail = (  # euros and cents apart: exact at any size (no float)
        f"Summe im Kreis: {fmt_int(cents // 100)},{cents % 100:02d} EUR; höchstens "
        "9.999.999.999.999,99 EUR sind zulässig."
    )
    return detail, [{**ref, "column": column, "value": f"{cents // 100}.{cents % 100:02d}"}]


def _totals_finding(meta: dict, t: dict[str, Any], today: date) -> Finding:
    """A finding of a Kreis-level rule, with the figure that broke it in the message."""
    rule = meta["rule"]
    ref = {"row": None, "gemeinde_ags": None}
    if rule in ("period_in_reporting_range", "money_total_within_bounds"):
        detail, rows = _bounds_detail(meta, t, today)
    elif rule == "einwohner_matches_reference":
        detail = (
            f"Summe der Einwohner {fmt_num(t['sum_einwohner'], 0)}, Referenzbevölkerung "
            f"{fmt_num(t['reference_population'], 0)} (Abweichung "
            f"{fmt_share(t['einwohner_to_reference'] - 1, signed=True)})."
        )
        rows = [{**ref, "column": "einwohner", "value": t["sum_einwohner"]}]
    elif rule == "elb_change_vs_previous":
        detail = (
            f"ELB {fmt_num(t['sum_elb'], 0)} gegenüber {fmt_num(t['previous_elb'], 0)} im Vormonat "
            f"({fmt_share(t['elb_change'], signed=True)})."
        )
        rows = [{**ref, "column": "elb", "value": t["sum_elb"]}]
    elif rule == "gemeinde_missing_vs_previous":
        names = ", ".join(f"{g} {n}" for g, n in t["_missing"])
        detail = f"Es fehlen: {names}."
        rows = [
            {"row": None, "gemeinde_ags": g, "column": "gemeinde_ags", "value": n}
            for g, n in t["_missing"]
        ]
    else:
        metric = {
            "integrationsquote_range": ("integrationsquote", "Integrationen je ELB", True),
            "elb_quote_range": ("elb_quote", "ELB je Einwohner bis RAG", True),
            "langzeit_share_range": ("langzeit_share", "Anteil Langzeitleistungsbeziehende", True),
            "elb_per_bg_max": ("elb_per_bg", "ELB je Bedarfsgemeinschaft", False),
        }[rule]
        key, label, percent = metric
        value = t[key]
        shown = fmt_share(value) if percent else fmt_num(value, 2)
        detail = f"{label} im Kreis: {shown}."
        rows = [{**ref, "column": meta.get("report_column"), "value": round(float(value), 6)}]
    return Finding(rule, meta["severity"], f"{meta['description_de']} {detail}", rows)
