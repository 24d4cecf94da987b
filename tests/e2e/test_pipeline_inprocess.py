"""The whole path for one month without a scheduler: simulator → landing → validation →
dbt build → published snapshot, then a BI-style reader in a second process.

The national totals a BI tool reads must equal the simulator's ground truth exactly, and a
second pass over the same month must change nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PERIOD = "2026-10"
COUNTS = (
    "jobcenters_reporting",
    "einwohner",
    "bedarfsgemeinschaften",
    "elb",
    "nef",
    "personen",
    "integrationen",
)
# A BI reader: its own process, read-only, connection closed at once.
READER = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
national = con.execute(
    "select * from national_month where period = ?", [sys.argv[2]]
).fetch_df().to_dict("records")
per_jc = con.execute(
    "select kreis_ags, elb, nef, integrationen, einwohner from fct_jobcenter_month "
    "where period = ? order by kreis_ags", [sys.argv[2]]
).fetchall()
con.close()
print(json.dumps({"national": national, "jobcenters": per_jc}, default=str))
"""


def read_snapshot(path: Path, period: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", READER, str(path), period],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def landing_records(data: Path) -> list[str]:
    root = data / "landing" / "records"
    return sorted(str(p.relative_to(root)) for p in root.rglob("r*.json"))


@pytest.mark.timeout(600)
def test_one_month_end_to_end_equals_ground_truth(
    data_dir: Path, simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.collect.collector import collect_many
    from ingest.core.registry import jobcenters
    from ingest.validate.run import process_pending
    from ingest.warehouse.build import build
    from ingest.warehouse.publish import publish

    for key, value in simulator.env.items():
        monkeypatch.setenv(key, value)
    truth = simulator.truth(PERIOD)
    ags_list = [jc.kreis_ags for jc in jobcenters()]

    outcomes = collect_many(ags_list, [PERIOD])
    assert {o["outcome"] for o in outcomes} == {"landed"}, outcomes[:3]
    counts = process_pending([PERIOD])
    assert counts["accepted"] == truth["summary"]["accepted"] == len(ags_list)
    assert counts["rejected"] == 0
    build([PERIOD])
    snapshot = publish()

    seen = read_snapshot(snapshot, PERIOD)
    [national] = seen["national"]
    expected = truth["national"]
    assert {c: int(national[c]) for c in COUNTS} == {c: expected[c] for c in COUNTS}
    for column in ("leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur"):
        assert f"{float(national[column]):.2f}" == expected[column]
    per_jc = {row[0]: row[1:] for row in seen["jobcenters"]}
    assert per_jc == {
        ags: [r["totals"][c] for c in ("elb", "nef", "integrationen", "einwohner")]
        for ags, r in truth["reports"].items()
    }

    # The same month again: nothing new is landed, validated or changed.
    before = landing_records(data_dir)
    again = collect_many(ags_list, [PERIOD])
    assert {o["outcome"] for o in again} <= {"unchanged"}
    assert process_pending([PERIOD])["accepted"] == 0
    assert landing_records(data_dir) == before
