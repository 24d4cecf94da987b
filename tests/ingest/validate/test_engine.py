"""The GX engine: a success-only pass, details only for the checks that failed, no results
kept in the long-lived context, and a check that cannot run is an error, never a pass."""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.validate import checks
from ingest.validate.engine import engine
from tests.expectations.factory import valid_report

AGS = "01054"  # Kreis Nordfriesland, several Gemeinden
PERIOD = "2026-10"


def test_only_the_failed_checks_report_their_rows() -> None:
    df = valid_report(AGS, PERIOD)
    df.loc[[1, 3], "elb_frauen"] = df.loc[[1, 3], "elb"] + 1  # the 2nd and 4th row break one rule
    verdict = checks.validate_report(df, AGS, PERIOD, previous=None)
    assert [f.rule for f in verdict.findings] == ["elb_subgroups_le_total"]
    assert [(r["row"], r["column"]) for r in verdict.findings[0].rows] == [
        (2, "elb_frauen"),
        (4, "elb_frauen"),
    ]


def test_a_long_running_process_keeps_no_validation_results() -> None:
    for _ in range(3):
        checks.validate_report(valid_report(AGS, PERIOD), AGS, PERIOD, previous=None)
    assert engine().context.validation_results_store.list_keys() == []


def test_a_check_that_cannot_run_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="suite report_rows: expect_"):
        engine().run("report_rows", pd.DataFrame({"unrelated": [1, 2]}))
