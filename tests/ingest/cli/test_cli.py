"""The operator's ``jcw`` command, run as the real console script."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

from ingest.cli.commands import period_range
from ingest.collect import landing
from ingest.core import registry
from tests.ingest.data import reports

ROOT = Path(__file__).resolve().parents[3]
JCW = str(ROOT / ".venv" / "bin" / "jcw")
PERIOD = "2026-10"
AGS = "03159"


def jcw(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [JCW, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        cwd=ROOT,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_period_ranges() -> None:
    today = date(2027, 3, 1)
    assert period_range("2026-11..2027-02", today) == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert period_range("2026-10", today) == ["2026-10"]


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "bericht.csv"
    path.write_bytes(reports.german_csv(reports.rows_for(AGS, PERIOD, n=4)))
    return path


def test_check_accepts_a_good_file(good_file: Path, data_dir: Path) -> None:
    r = jcw("check", str(good_file), "--jobcenter", AGS, "--period", PERIOD)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Ergebnis: angenommen" in r.stdout and "4 Zeilen" in r.stdout
    assert list(data_dir.iterdir()) == []  # a check writes nothing


def test_check_rejects_a_broken_file_naming_row_and_column(tmp_path: Path, data_dir: Path) -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    rows[1]["elb"] = "zwölf"
    path = tmp_path / "bericht.csv"
    path.write_bytes(reports.english_csv(rows))
    r = jcw("check", str(path), "--jobcenter", AGS, "--period", PERIOD)
    assert r.returncode == 1
    assert "Ergebnis: abgelehnt" in r.stdout
    assert "parse_not_integer" in r.stdout and "row 2" in r.stdout and "column elb" in r.stdout


def test_check_rejects_a_rule_violation(tmp_path: Path, data_dir: Path) -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    rows[2]["elb_frauen"] = rows[2]["elb"] + 1
    path = tmp_path / "bericht.json"
    path.write_bytes(reports.json_report(rows))
    r = jcw("check", str(path), "--jobcenter", AGS, "--period", PERIOD)
    assert r.returncode == 1
    assert "Ergebnis: abgelehnt" in r.stdout and "elb_frauen" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "{file}", "--jobcenter", "99999", "--period", PERIOD], "unbekanntes Jobcenter"),
        (["check", "/nonexistent.csv", "--jobcenter", AGS, "--period", PERIOD], "nicht lesbar"),
        (["check", "{file}", "--jobcenter", AGS, "--period", "2026-13"], "JJJJ-MM"),
        (["check", "{file}", "--jobcenter", AGS], "diese Angaben fehlen: --period"),
        (["status", "--period", "2026-12..2026-10"], "endet, bevor er beginnt"),
        (["frobnicate"], "ist keine der möglichen Angaben"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(
    good_file: Path, data_dir: Path, args: list[str], message: str
) -> None:
    r = jcw(*[a.replace("{file}", str(good_file)) for a in args])
    assert r.returncode == 2
    assert message in r.stderr
    assert r.stdout == ""


def test_fetch_then_status_against_the_simulator(simulator, data_dir: Path) -> None:
    picked = [jc.kreis_ags for jc in registry.jobcenters()[:3]]
    args = ["fetch", "--period", PERIOD] + [a for ags in picked for a in ("--jobcenter", ags)]
    r = jcw(*args, env=simulator.env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 neu abgelegt (landed)" in r.stdout
    assert all(len(landing.revisions(ags, PERIOD)) == 1 for ags in picked)
    assert all(simulator.token(a) not in r.stdout + r.stderr for a in picked)

    r = jcw("status", "--period", PERIOD, "--today", "2026-11-21")
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[:2]
    assert first[0] == (
        "Berichtsmonat Oktober 2026 (fällig 10.11.2026, Stand 21.11.2026): 104 Jobcenter"
    )
    assert "angenommen (accepted) 3" in first[1] and "fehlt (missing) 101" in first[1]
    not_fetched = registry.jobcenters()[3]
    assert any(
        line.startswith(not_fetched.kreis_ags) and "(überfällig)" in line
        for line in r.stdout.splitlines()
    )
    assert not any(
        line.startswith(picked[0]) and "(missing)" in line for line in r.stdout.splitlines()
    )
    # Nothing was built: the status says that no snapshot is published yet.
    assert "\nNoch kein Snapshot veröffentlicht.\n" in r.stdout
