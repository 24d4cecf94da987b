"""A month with faults switched on for a third of the jobcenters, without a scheduler.

Every (jobcenter, month) must end in the state the simulator's ground truth predicts, in the
reconciliation (`jcw status`) and in the published warehouse; running the month again
changes nothing. The faults are the quick ones of the catalogue (the slow ones, black hole,
stall and trickle, are covered in tests/ingest/test_fetch.py and test_pipeline.py).
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest

from ingest.status import reconcile
from tests.e2e.test_pipeline_inprocess import COUNTS, landing_records, read_snapshot

CLEAN, FAULTY = "2026-09", "2026-10"
TODAY = date(2026, 11, 21)
FAULTS = [
    {"fault": "never"},
    {"fault": "late"},
    {"fault": "http_5xx_burst", "n": 2},
    {"fault": "rate_limited", "n": 1, "retry_after": 1},
    {"fault": "truncated_body"},
    {"fault": "truncated_body", "n": 1},
    {"fault": "html_200"},
    {"fault": "oversized_body", "size_mb": 8},
    {"fault": "oversized_body", "size_mb": 8, "content_length": False},
    {"fault": "redirect_other_host"},
    {"fault": "wrong_encoding"},
    {"fault": "broken_rows", "kind": "field_count"},
    {"fault": "broken_rows", "kind": "non_numeric"},
    *(
        {"fault": "violated_rule", "rule": rule}
        for rule in (
            "subgroup_exceeds_total",
            "integration_sum_mismatch",
            "foreign_gemeinde",
            "duplicate_gemeinde",
            "wrong_period",
            "population_off",
            "bg_exceeds_persons",
            "negative_count",
            "missing_column",
        )
    ),
    *({"fault": "soft_warning", "rule": r} for r in ("elb_jump", "gemeinde_missing")),
    {"fault": "soft_warning", "rule": "integration_rate"},
    {"fault": "correction"},
    {"fault": "formula_cells"},
]


# The simulator keeps its own writing of the contract, with its own rule names; this is the
# translation of the product's rule ids (expectations/README.md) into the simulator's.
PRODUCT_TO_TRUTH_RULE = {
    "parse_encoding": "encoding",
    "parse_field_count": "broken_rows",
    "parse_not_integer": "broken_rows",
    "elb_subgroups_le_total": "subgroup_exceeds_total",
    "integrationen_sum_of_kinds": "integration_sum_mismatch",
    "gemeinde_in_kreis": "foreign_gemeinde",
    "gemeinde_unique": "duplicate_gemeinde",
    "period_matches_request": "wrong_period",
    "einwohner_matches_reference": "population_off",
    "bedarfsgemeinschaften_le_personen": "bg_exceeds_persons",
    "parse_negative": "negative_count",
    "parse_missing_column": "missing_column",
    "elb_change_vs_previous": "elb_change",
    "gemeinde_missing_vs_previous": "gemeinde_set_changed",
    "gemeinde_new_vs_previous": "gemeinde_set_changed",
    "integrationsquote_range": "integration_rate",
}


def truth_rules(findings: list[dict]) -> set[str]:
    return {PRODUCT_TO_TRUTH_RULE.get(f["rule"], f["rule"]) for f in findings}


def latest_verdict(data: Path, period: str, ags: str) -> dict:
    import json

    files = sorted((data / "validation" / period / ags).glob("r*.json"))
    return json.loads(files[-1].read_text(encoding="utf-8"))


def warehouse_state(snapshot: Path) -> dict:
    """The BI view of the months: submission status per report and the national totals."""
    import duckdb

    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        status = con.execute(
            "select kreis_ags, period, status, timeliness, revision_count, current_revision, "
            "open_findings_count, open_warnings_count, last_fetch_failure_kind "
            "from submission_status where period in (?, ?) order by all",
            [CLEAN, FAULTY],
        ).fetchall()
        national = con.execute("select * from national_month order by period").fetchall()
    finally:
        con.close()
    return {"status": status, "national": national}


@pytest.mark.timeout(900)
def test_a_third_of_the_jobcenters_faulty_ends_as_the_truth_says(
    data_dir: Path, simulator_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.collect.collector import collect_many
    from ingest.core import registry
    from ingest.validate.run import process_pending
    from ingest.warehouse.build import build
    from ingest.warehouse.publish import publish

    ags_list = [jc.kreis_ags for jc in registry.jobcenters()]
    faulty = ags_list[::3]
    assert len(faulty) == 35  # a third of 104
    scenario = {
        "faults": [
            {"kreis_ags": ags, "period": FAULTY, **fault}
            for ags, fault in zip(faulty, itertools.cycle(FAULTS), strict=False)
        ]
    }
    sim = simulator_factory(scenario=scenario, today=TODAY.isoformat())
    for key, value in sim.env.items():
        monkeypatch.setenv(key, value)
    truth = {p: sim.truth(p) for p in (CLEAN, FAULTY)}

    def run_month_pair() -> Path:
        collect_many(ags_list, [CLEAN, FAULTY])
        process_pending([CLEAN, FAULTY])
        build([CLEAN, FAULTY], as_of=TODAY.isoformat())
        return publish()

    snapshot = run_month_pair()

    # The reconciliation (what `jcw status` prints) equals the truth, report by report.
    for period in (CLEAN, FAULTY):
        expected = truth[period]["reports"]
        rows = {r.kreis_ags: r for r in reconcile.reconcile(period, today=TODAY)}
        assert set(rows) == set(expected)
        for ags, want in expected.items():
            row = rows[ags]
            assert row.state == want["expected"], (period, ags, want.get("faults"), row)
            if want["expected"] == "missing":
                assert row.fetch_kind == want["kind"], (ags, want["faults"], row)
            elif want["expected"] == "rejected":
                verdict = latest_verdict(data_dir, period, ags)
                rules = truth_rules(verdict["findings"])
                assert want["rule"] in rules, (ags, want["faults"], rules)
            else:
                verdict = latest_verdict(data_dir, period, ags)
                assert verdict["sha256"] == want["sha256"], (ags, want["faults"])
                warned = truth_rules(verdict["warnings"])
                assert warned == {w if isinstance(w, str) else w["rule"] for w in want["warnings"]}
    assert {r["expected"] for r in truth[FAULTY]["reports"].values()} == {
        "accepted",
        "rejected",
        "missing",
    }

    # The warehouse says the same, and its national totals equal the truth's.
    seen = warehouse_state(snapshot)
    by_key = {(ags, period): state for ags, period, state, *_ in seen["status"]}
    for period in (CLEAN, FAULTY):
        for ags, want in truth[period]["reports"].items():
            assert by_key[(ags, period)] == want["expected"], (period, ags, want.get("faults"))
        [national] = read_snapshot(snapshot, period)["national"]
        assert {c: int(national[c]) for c in COUNTS} == {
            c: truth[period]["national"][c] for c in COUNTS
        }

    # The same months again: nothing new landed or validated, the warehouse unchanged.
    before = landing_records(data_dir)
    verdicts = sorted(p.name for p in (data_dir / "validation").rglob("r*.json"))
    snapshot = run_month_pair()
    assert landing_records(data_dir) == before
    assert sorted(p.name for p in (data_dir / "validation").rglob("r*.json")) == verdicts
    assert warehouse_state(snapshot) == seen
