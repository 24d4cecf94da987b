"""``jcw backfill``, ``fetch`` and ``build`` as an operator meets them: progress bars in a
terminal, German summaries, ``--json`` for scripts, and a backfill that resumes."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import duckdb

from ingest.core import registry
from tests.ingest.cli.test_cli import JCW, ROOT, jcw

RANGE = "2026-08..2026-09"


def _picked() -> list[str]:
    return [jc.kreis_ags for jc in registry.jobcenters()[:3]]


def _in_terminal(args: list[str], env: dict[str, str], tmp_path: Path) -> str:
    """What a terminal shows for ``jcw ARGS``: run under a pseudo-terminal (``script``)."""
    command = " ".join([JCW, *args])
    log = tmp_path / "typescript"
    result = subprocess.run(
        ["script", "-qec", command, str(log)],
        env={**os.environ, **env, "COLUMNS": "120"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stdout)


def test_backfill_shows_progress_and_resumes_without_rebuilding(
    simulator, data_dir: Path, tmp_path: Path
) -> None:
    jobcenters = [a for ags in _picked() for a in ("--jobcenter", ags)]
    screen = _in_terminal(["backfill", RANGE, *jobcenters], simulator.env, tmp_path)
    # one bar per stage with counts; the summary in German with the codes in parentheses
    assert re.search(r"Abruf +━+ +6/6 +vergangen \d:\d\d:\d\d verbleibend", screen)
    assert re.search(r"Prüfung +━+ +6/6", screen)
    assert re.search(r"Warehouse +━+ +(\d+)/\1", screen)
    assert (
        "Abruf: 6 Berichte (3 Jobcenter × 2 Monate): 6 neu abgelegt (landed), "
        "0 unverändert (unchanged), 0 noch nicht veröffentlicht (not_published), "
        "0 fehlgeschlagen (failed)"
    ) in screen
    assert "Prüfung: 6 angenommen (accepted), 0 abgelehnt (rejected)" in screen
    assert "Warehouse gebaut" in screen and "Stichtag 01.12.2026" in screen
    snapshot = data_dir / "warehouse" / "jobcenters.duckdb"
    assert f"Snapshot veröffentlicht: {snapshot}" in screen
    with duckdb.connect(str(snapshot), read_only=True) as con:
        months = con.execute("select count(*) from fct_jobcenter_month").fetchone()[0]
    assert months == 6

    # again: nothing new lands, nothing is validated, the build is not repeated
    again = jcw("backfill", RANGE, *jobcenters, "--json", env=simulator.env)
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""  # no terminal and --json: no bars
    doc = json.loads(again.stdout)
    assert doc["fetch"] == {"landed": 0, "unchanged": 6, "not_published": 0, "failed": 0}
    assert doc["validate"]["accepted"] == 0 and doc["build"] is None
    assert doc["periods"] == ["2026-08", "2026-09"]


def test_build_and_fetch_summaries_are_german_and_json_is_one_document(
    simulator, data_dir: Path
) -> None:
    ags = _picked()[0]
    r = jcw("fetch", "--period", "2026-09", "--jobcenter", ags, env=simulator.env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        "Abruf: 1 Bericht (1 Jobcenter × 1 Monat): 1 neu abgelegt (landed), 0 unverändert "
        "(unchanged), 0 noch nicht veröffentlicht (not_published), 0 fehlgeschlagen (failed)"
    )
    assert r.stdout.splitlines()[1] == (
        "Prüfung: 1 angenommen (accepted), 0 abgelehnt (rejected), 0 Hinweise (warnings), 1 Monat"
    )
    r = jcw("build", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["build"]["status"] == "success" and doc["build"]["as_of"] == "2026-12-01"
    assert doc["snapshot"].endswith("jobcenters.duckdb")
    r = jcw("status", "--period", "2026-09")
    assert "angenommen (accepted) 1" in r.stdout and "fehlt (missing) 103" in r.stdout
    assert f"Prüfseite: file://{data_dir}/docs/validation/2026-09.html" in r.stdout


def test_every_stage_command_from_the_readme_on_one_month(
    simulator, data_dir: Path, tmp_path: Path
) -> None:
    """validate, rebuild, report (--no-pdf, --out), status --json and mail: exit codes and
    what they print, after a fetch of one jobcenter."""
    ags = _picked()[0]
    assert (
        jcw("fetch", "--period", "2026-09", "--jobcenter", ags, env=simulator.env).returncode == 0
    )
    r = jcw("validate")  # nothing left without a verdict
    assert (r.returncode, r.stdout) == (
        0,
        "Prüfung: 0 angenommen (accepted), 0 abgelehnt (rejected), 0 Hinweise (warnings), "
        "0 Monate\n",
    )
    r = jcw("rebuild", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["build"]["full_refresh"] is True and doc["snapshot"].endswith("jobcenters.duckdb")
    out = tmp_path / "bericht"
    r = jcw("report", "--period", "2026-09", "--no-pdf", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == [
        f"Bericht: {out / 'bericht_2026-09.html'}",
        "PDF:     nicht erzeugt (--no-pdf)",
    ]
    assert "September 2026" in (out / "bericht_2026-09.html").read_text()
    assert not list(out.glob("*.pdf"))
    r = jcw("status", "--period", "2026-09", "--json")
    rows = json.loads(r.stdout)
    assert len(rows) == 104
    assert {row["kreis_ags"]: row["state"] for row in rows}[ags] == "accepted"
    assert sum(row["state"] == "missing" for row in rows) == 103
    r = jcw("mail")
    assert (r.returncode, r.stdout) == (
        0,
        "Mail: 0 gesendet (sent), 0 fehlgeschlagen (failed), 0 wartend (pending)\n",
    )
