"""Row 34 and the exit-code policy: what an operator's mistake gives, run as the real ``jcw``.

One clear line on stderr, exit code 2, and nothing written anywhere; a problem found by the
work is exit code 1, also when a concurrent run landed or validated the report.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ingest.collect import collector, landing
from ingest.core.german import month_name
from ingest.validate.run import process_pending

ROOT = Path(__file__).resolve().parents[3]
JCW = str(ROOT / ".venv" / "bin" / "jcw")
PERIOD = "2026-10"


def jcw(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [JCW, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "JCW_TODAY": "2026-11-21", **env},
        cwd=cwd,
        timeout=600,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def files_below(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "JCW_DATA_DIR ist gesetzt, aber leer"),
        ("{file}", "ist kein Verzeichnis"),
        ("{tmp}/typo/data", "gibt es nicht, auch nicht"),
    ],
)
@pytest.mark.parametrize("command", [["validate"], ["status", "--period", PERIOD], ["build"]])
def test_a_data_directory_that_cannot_be_one_is_one_line_and_exit_2(
    tmp_path: Path, value: str, message: str, command: list[str]
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    env = {"JCW_DATA_DIR": value.format(file=a_file, tmp=tmp_path)}
    r = jcw(*command, cwd=work, env=env)
    assert r.returncode == 2
    [line] = r.stderr.splitlines()
    assert line.startswith("jcw: Fehler: ") and message in line
    assert r.stdout == ""
    assert files_below(work) == [] and a_file.read_text() == ""  # nothing written anywhere
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["status", "--period", PERIOD, "--today", "2026-02-30"],
            "--today '2026-02-30' ist kein Kalendertag JJJJ-MM-TT",
        ),
        (
            ["fetch", "--period", "0001-01..9999-12"],
            "Berichtsmonat 0001-01 liegt vor 2005-01, dem ersten Monat des SGB II",
        ),
        (
            ["fetch", "--period", "2026-10..2027-01"],
            "Berichtsmonat 2027-01 liegt nach dem laufenden Monat 2026-11 (Stichtag 21.11.2026)",
        ),
        (["fetch", "--period", "2026-10\n"], "Berichtsmonat '2026-10\\n' ist kein Monat JJJJ-MM"),
        (["fetch", "--period", "２０２６-１０"], "ist kein Monat JJJJ-MM"),
        (
            ["fetch", "--period", PERIOD, "--jobcenter", "../../x"],
            "unbekanntes Jobcenter '../../x': nicht im Verzeichnis der Jobcenter",
        ),
        (["fetch", "--period", PERIOD, "--jobcenter", "٠٥١١٣"], "unbekanntes Jobcenter"),
        (
            ["fetch", "--period", "2005-01..2026-11"],
            "27.352 Berichte (104 Jobcenter × 263 Monate) sind mehr als die 24.960, die ein "
            "Abruf ohne --yes startet; mit --yes geht es los",
        ),
        (["check", "x.csv", "--jobcenter", "05113", "--period", "2027-01"], "liegt nach"),
        (["build", "--period", "2004-12"], "liegt vor 2005-01"),
    ],
)
def test_operator_mistakes_are_one_line_exit_2_and_write_nothing(
    data_dir: Path, args: list[str], message: str
) -> None:
    r = jcw(*args, cwd=data_dir.parent, env={"JCW_DATA_DIR": str(data_dir)})
    assert r.returncode == 2
    [line] = r.stderr.splitlines()
    assert line.startswith("jcw: Fehler: ") and message in line, line
    assert files_below(data_dir) == []


def test_a_truncated_verdict_file_is_named(simulator, monkeypatch, data_dir: Path) -> None:
    for name, value in simulator.env.items():
        monkeypatch.setenv(name, value)
    collector.collect("05113", [PERIOD])
    process_pending()
    verdict = data_dir / "validation" / PERIOD / "05113" / "r0001.json"
    verdict.write_bytes(verdict.read_bytes()[:40])
    r = jcw("status", "--period", PERIOD, cwd=ROOT, env={"JCW_DATA_DIR": str(data_dir)})
    assert r.returncode == 1
    [line] = r.stderr.splitlines()
    assert line.startswith(f"jcw: UnreadableFile: {verdict} is unreadable: JSONDecodeError")
    assert "move it away and run jcw validate again" in line


def test_a_rejected_report_is_exit_1_also_when_a_concurrent_run_landed_it(
    simulator_factory, monkeypatch, data_dir: Path
) -> None:
    """The other run landed and validated the report first: this fetch gets 'unchanged' and
    nothing to validate, and still exits 1 naming the rejected report."""
    ags = "05113"
    sim = simulator_factory(
        scenario={
            "faults": [
                {
                    "kreis_ags": ags,
                    "period": PERIOD,
                    "fault": "violated_rule",
                    "rule": "wrong_period",
                }
            ]
        }
    )
    for name, value in sim.env.items():
        monkeypatch.setenv(name, value)
    collector.collect(ags, [PERIOD])  # the concurrent run
    assert process_pending()["rejected"] == 1
    [record] = landing.revisions(ags, PERIOD)

    env = {"JCW_DATA_DIR": str(data_dir), **sim.env}
    r = jcw("fetch", "--period", PERIOD, "--jobcenter", ags, cwd=ROOT, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 unverändert (unchanged)" in r.stdout
    assert "Prüfung: 0 angenommen (accepted), 0 abgelehnt (rejected)" in r.stdout
    assert "Abgelehnt (neueste Revision): 1 Bericht" in r.stdout
    assert (
        f"  {ags} {month_name(PERIOD)}, Revision {record.revision}: period_matches_request"
    ) in r.stdout
    accepted = jcw("fetch", "--period", PERIOD, "--jobcenter", "08111", cwd=ROOT, env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
