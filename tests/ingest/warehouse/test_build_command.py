"""``jcw build`` as an operator runs it: killed, blocked, in an odd directory, on a bad file.

Each test runs the real console script on a data directory of accepted files written the way
ingest.validate.store writes them (tests/dbt_project/reports.py), with a real dbt build.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.dbt_project.reports import Gemeinde, months, query, write_accepted

pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[3]
JCW = str(ROOT / ".venv" / "bin" / "jcw")
MONTHS = months("2025-01", 2)


def fill(data: Path) -> None:
    data.mkdir(parents=True, exist_ok=True)
    for i, period in enumerate(MONTHS):
        write_accepted(data, "08111", period, [Gemeinde("08111000", "Stuttgart", 1000 + i)])


def start(data: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "JCW_DATA_DIR": str(data)}
    return subprocess.Popen(
        [JCW, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def jcw(data: Path, *args: str) -> subprocess.CompletedProcess:
    proc = start(data, *args)
    out, err = proc.communicate(timeout=800)
    assert "Traceback" not in err, err
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(predicate, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.1)


def dbt_of(build: subprocess.Popen) -> int:
    """The dbt process a running ``jcw build`` started."""
    found: list[int] = []

    def started() -> bool:
        found[:] = children(build.pid)
        return bool(found) or build.poll() is not None

    wait_for(started, "jcw build starting dbt")
    assert build.poll() is None and len(found) == 1, (found, build.poll())
    return found[0]


def test_a_killed_build_takes_its_dbt_along_and_the_next_build_succeeds(tmp_path: Path) -> None:
    """Row 33: SIGTERM to jcw alone stops its dbt (exit 143); kill -9 of jcw alone too (dbt
    asked the kernel for SIGTERM when its parent dies); then a build succeeds."""
    data = tmp_path / "data"
    fill(data)

    build = start(data, "build", "--no-publish")
    dbt = dbt_of(build)
    build.send_signal(signal.SIGTERM)
    _out, err = build.communicate(timeout=120)
    assert build.returncode == 143
    assert err.strip().splitlines()[-1] == "jcw: beendet (SIGTERM)"
    wait_for(lambda: not alive(dbt), "dbt stopping with jcw build", 60)

    build = start(data, "build", "--no-publish")
    dbt = dbt_of(build)
    build.kill()
    build.communicate(timeout=60)
    wait_for(lambda: not alive(dbt), "dbt stopping after jcw build was killed -9", 60)

    done = jcw(data, "build")
    assert done.returncode == 0, done.stderr
    assert "Snapshot veröffentlicht: " in done.stdout
    snapshot = data / "warehouse" / "jobcenters.duckdb"
    assert query(snapshot, "select count(*) from fct_jobcenter_month") == [(2,)]


def test_a_build_that_finds_the_database_locked_names_the_holder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    fill(data)
    (data / "warehouse").mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(600)",
            str(data / "warehouse" / "build.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        r = jcw(data, "build")
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 1
    [line] = r.stderr.strip().splitlines()
    assert f"build.duckdb is locked by process {holder.pid} (" in line
    assert "stop that process, then build again" in line


def test_a_data_path_with_quotes_builds_and_publishes_and_keeps_no_secret(tmp_path: Path) -> None:
    """Row 34 (quotes) and row 32 (a landing record written before URLs were redacted)."""
    data = tmp_path / 'o\'brien "data"'
    fill(data)
    record = data / "landing" / "records" / MONTHS[0] / "08111" / "r0001.json"
    url = "http://user:s3cret@127.0.0.1:1/jc/08111/v1/reports/2025-01?token=s3cret"
    record.write_text(json.dumps({**json.loads(record.read_text()), "url": url}))
    r = jcw(data, "build")
    assert r.returncode == 0, r.stderr
    assert f"Snapshot veröffentlicht: {data / 'warehouse' / 'jobcenters.duckdb'}" in r.stdout
    snapshot = data / "warehouse" / "jobcenters.duckdb"
    assert query(snapshot, "select count(*), sum(elb) from fct_jobcenter_month") == [(2, 2001)]
    build_db = data / "warehouse" / "build.duckdb"
    assert query(build_db, "select url from stg_landing__records where period = '2025-01'") == [
        ("http://127.0.0.1:1/jc/08111/v1/reports/2025-01?token=REDACTED",)
    ]
    for db in (build_db, snapshot):
        assert b"s3cret" not in db.read_bytes()


def test_a_truncated_parquet_file_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    fill(data)
    broken = data / "accepted" / MONTHS[1] / "08111" / "r0001.parquet"
    broken.write_bytes(broken.read_bytes()[:100])
    r = jcw(data, "build")
    assert r.returncode == 1
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(
        "jcw: BuildFailed: dbt build failed: model.jcw.stg_accepted__report_rows"
    )
    assert str(broken) in line
