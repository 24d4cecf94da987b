"""The suite files in expectations/: complete meta, every contract rule present, README true."""

from __future__ import annotations

import json

from ingest.core import rules as suite_rules
from ingest.core import settings

HARD = {
    "columns_match_contract",
    "values_are_numbers",
    "key_values_present",
    "counts_non_negative",
    "money_non_negative",
    "money_two_decimals",
    "period_matches_request",
    "kreis_ags_matches_request",
    "gemeinde_ags_format",
    "gemeinde_in_kreis",
    "gemeinde_unique",
    "elb_subgroups_le_total",
    "integrationen_subgroups_le_total",
    "integrationen_sum_of_kinds",
    "bedarfsgemeinschaften_le_personen",
    "personen_le_einwohner_bis_rag",
    "einwohner_bis_rag_le_einwohner",
    "einwohner_matches_reference",
    # bounds that keep the warehouse building, and the verdict of a report that broke the checker
    "counts_within_population",
    "money_total_within_bounds",
    "period_in_reporting_range",
    "internal_error",
}
SOFT = {
    "elb_change_vs_previous",
    "gemeinde_missing_vs_previous",
    "gemeinde_new_vs_previous",
    "integrationsquote_range",
    "elb_quote_range",
    "langzeit_share_range",
    "elb_per_bg_max",
}


def test_every_contract_rule_is_in_the_suites_with_its_severity():
    rules = suite_rules.rules()
    assert {r for r, m in rules.items() if m["severity"] == "hard"} == HARD
    assert {r for r, m in rules.items() if m["severity"] == "soft"} == SOFT


def test_every_expectation_carries_complete_meta():
    for name in suite_rules.SUITE_FILES:
        doc = json.loads((settings.EXPECTATIONS_DIR / name).read_text(encoding="utf-8"))
        assert doc["meta"]["suite_version"] == suite_rules.SUITE_VERSION
        for exp in doc["expectations"]:
            meta = exp["meta"]
            assert meta["severity"] in ("hard", "soft"), exp
            assert meta["rule"].isidentifier(), exp
            assert len(meta["description_de"]) > 20 and meta["fix_de"], exp
            assert meta["title_de"], exp


def test_one_rule_has_one_text_and_one_severity():
    seen: dict[str, tuple] = {}
    for name in suite_rules.SUITE_FILES:
        doc = json.loads((settings.EXPECTATIONS_DIR / name).read_text(encoding="utf-8"))
        for exp in doc["expectations"]:
            m = exp["meta"]
            key = (m["severity"], m["title_de"], m["description_de"], m["fix_de"])
            assert seen.setdefault(m["rule"], key) == key, m["rule"]


def test_readme_lists_every_rule_with_its_german_text():
    readme = (settings.EXPECTATIONS_DIR / "README.md").read_text(encoding="utf-8")
    for rule, meta in suite_rules.rules().items():
        line = next((ln for ln in readme.splitlines() if ln.startswith(f"| `{rule}` |")), None)
        assert line is not None, f"{rule} missing from expectations/README.md"
        assert f"| {meta['severity']} |" in line
        assert meta["description_de"] in line and meta["fix_de"] in line
        assert f"| {meta['title_de']} |" in line
