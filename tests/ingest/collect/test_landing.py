"""The landing zone: write-once, content-addressed, safe under kills and concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.collect import landing
from ingest.collect.client import FetchedReport
from ingest.core import files, layout
from ingest.core.errors import ChecksumMismatch
from tests.ingest.data import reports

AGS, PERIOD = "03159", "2026-10"
T0 = datetime(2026, 11, 8, 6, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def fetched(body: bytes, url: str = "http://127.0.0.1:1/jc/03159/v1/reports/2026-10"):
    return FetchedReport(
        body=body,
        content_type=reports.CSV_DE,
        etag='"e"',
        last_modified=None,
        source_revision=1,
        http_status=200,
        url=url,
    )


def final_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not files.is_temp(p))


def body(n: int = 3, elb: int | None = None) -> bytes:
    rows = reports.rows_for(AGS, PERIOD, n=n)
    if elb is not None:
        rows[0]["elb"] = elb
    return reports.german_csv(rows)


def test_same_bytes_land_once_even_from_a_new_url_and_time(data_dir: Path) -> None:
    first = landing.land(AGS, PERIOD, fetched(body()), T0)
    assert (first.revision, first.is_new) == (1, True)
    again = landing.land(
        AGS, PERIOD, fetched(body(), url="http://127.0.0.1:2/other"), T0 + timedelta(days=1)
    )
    assert (again.revision, again.is_new, again.sha256) == (1, False, first.sha256)
    assert len(landing.revisions(AGS, PERIOD)) == 1
    assert len(final_files(data_dir)) == 2  # one object, one record
    assert landing.revisions(AGS, PERIOD)[0].fetched_at == T0.isoformat()


def test_correction_is_revision_two_and_revision_one_stays(data_dir: Path) -> None:
    r1 = landing.land(AGS, PERIOD, fetched(body()), T0)
    r2 = landing.land(AGS, PERIOD, fetched(body(elb=99_999)), T0 + timedelta(days=3))
    assert (r2.revision, r2.is_new) == (2, True) and r2.sha256 != r1.sha256
    recs = landing.revisions(AGS, PERIOD)
    assert [r.revision for r in recs] == [1, 2]
    assert landing.read_object(recs[0]) == body()
    assert landing.read_object(recs[1]) == body(elb=99_999)
    assert recs[1].path.name == "r0002.json"
    assert [r.kreis_ags for r in landing.all_records()] == [AGS, AGS]
    assert landing.all_records(["2026-09"]) == []


def test_flipped_byte_is_detected_and_never_repaired(data_dir: Path) -> None:
    landed = landing.land(AGS, PERIOD, fetched(body()), T0)
    obj = layout.landing_object(landed.sha256)
    raw = bytearray(obj.read_bytes())
    raw[100] ^= 0x01
    obj.chmod(0o644)
    obj.write_bytes(bytes(raw))
    [rec] = landing.revisions(AGS, PERIOD)
    with pytest.raises(ChecksumMismatch, match="corrupt"):
        landing.read_object(rec)
    with pytest.raises(ChecksumMismatch):  # landing the good bytes again does not overwrite
        landing.land(AGS, PERIOD, fetched(body()), T0)
    assert obj.read_bytes() == bytes(raw)
    [problem] = landing.verify_all()
    assert (problem.kreis_ags, problem.period) == (AGS, PERIOD)
    assert landing.verify_all(["2005-01"]) == []


def test_write_once_and_replace_semantics(tmp_path: Path) -> None:
    p = tmp_path / "a" / "f.json"
    assert files.write_once(p, b"1") is True
    assert files.write_once(p, b"1") is False
    with pytest.raises(files.ContentConflict):
        files.write_once(p, b"2")
    files.replace_atomic(p, b"3")
    assert p.read_bytes() == b"3"
    assert final_files(tmp_path) == [p]


KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from datetime import datetime, UTC
    sys.path.insert(0, {root!r})
    from ingest.collect import landing
    from ingest.collect.client import FetchedReport
    def stop_before_link(fd):  # the bytes are in the temp file: now wait to be killed
        print("writing", flush=True)
        time.sleep(60)
    os.fsync = stop_before_link
    body = open({body!r}, "rb").read()
    report = FetchedReport(body, "text/csv", None, None, None, 200, "http://x/")
    landing.land("03159", "2026-10", report, datetime(2026, 11, 1, 6, tzinfo=UTC))
    """
)


def test_writer_killed_mid_write_leaves_no_final_file_and_a_retry_completes(
    data_dir: Path, tmp_path: Path
) -> None:
    payload = tmp_path / "body.csv"
    payload.write_bytes(body())
    script = KILLED_WRITER.format(root=str(ROOT), body=str(payload))
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        env={**os.environ, "JCW_DATA_DIR": str(data_dir)},
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"writing\n"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    temps = [p for p in data_dir.rglob("*") if files.is_temp(p)]
    assert temps, "the writer was killed before it wrote anything"
    assert final_files(data_dir) == []
    assert landing.revisions(AGS, PERIOD) == []
    landed = landing.land(AGS, PERIOD, fetched(body()), T0)
    assert (landed.revision, landed.is_new) == (1, True)
    assert landing.read_object(landing.revisions(AGS, PERIOD)[0]) == body()
    assert files.remove_stale_temp(data_dir, older_than_s=0) == len(temps)
    assert [p for p in data_dir.rglob("*") if files.is_temp(p)] == []


# Each writer stops at the barrier right after its first scan of the revisions, i.e. after
# it has chosen a revision number and before it claims it: it says "at-claim" on stdout and
# waits for one byte on stdin. The parent releases both only when both are there, so both
# always choose the same number and exactly one of them has to rescan. Its output: the
# revision, whether it is new, and how many scans it needed.
CONCURRENT_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, UTC
    sys.path.insert(0, {root!r})
    from ingest.collect import landing
    from ingest.collect.client import FetchedReport
    scan = landing.revisions
    scans = []
    def barrier_after_first_scan(*args):
        recs = scan(*args)
        scans.append(len(recs))
        if len(scans) == 1:
            print("at-claim", flush=True)
            sys.stdin.read(1)
        return recs
    landing.revisions = barrier_after_first_scan
    body = open(sys.argv[1], "rb").read()
    report = FetchedReport(body, "text/csv", None, None, None, 200, "http://x/" + sys.argv[2])
    r = landing.land("03159", "2026-10", report, datetime(2026, 11, 1, 6, tzinfo=UTC))
    print(r.revision, r.is_new, len(scans), flush=True)
    """
)


def _race(data_dir: Path, bodies: list[Path]) -> list[str]:
    script = CONCURRENT_WRITER.format(root=str(ROOT))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(b), str(i)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "JCW_DATA_DIR": str(data_dir)},
        )
        for i, b in enumerate(bodies)
    ]
    try:
        # the barrier: both writers have scanned (and found no revision) before either claims
        assert [p.stdout.readline() for p in procs] == ["at-claim\n"] * len(procs)
        for p in procs:
            p.stdin.write("go")
            p.stdin.flush()
        out = [p.communicate(timeout=60)[0].strip() for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0] * len(procs)
    return out


def test_two_processes_landing_the_same_report_make_one_revision(
    data_dir: Path, tmp_path: Path
) -> None:
    b = tmp_path / "same.csv"
    b.write_bytes(body())
    out = _race(data_dir, [b, b])
    # the loser rescans, finds its own bytes as revision 1 and lands nothing
    assert sorted(out) == ["1 False 2", "1 True 1"]
    assert [r.revision for r in landing.revisions(AGS, PERIOD)] == [1]
    assert len(final_files(data_dir)) == 2


def test_two_processes_landing_different_bytes_get_distinct_revisions(
    data_dir: Path, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(body())
    b.write_bytes(body(elb=12_345))
    # the loser rescans and claims the next number
    assert sorted(_race(data_dir, [a, b])) == ["1 True 1", "2 True 2"]
    recs = landing.revisions(AGS, PERIOD)
    assert [r.revision for r in recs] == [1, 2]
    assert {r.sha256 for r in recs} == {
        landing.land(AGS, PERIOD, fetched(a.read_bytes()), T0).sha256,
        landing.land(AGS, PERIOD, fetched(b.read_bytes()), T0).sha256,
    }
    assert len(landing.revisions(AGS, PERIOD)) == 2


def test_stale_temp_files_go_after_the_configured_hour_and_young_ones_stay(
    data_dir: Path,
) -> None:
    from ingest.core import settings

    # The collector's limit (JCW_STALE_TEMP_S unset): one hour.
    assert settings.STALE_TEMP_S == 3600.0
    now = 1_800_000_000.0
    folder = layout.landing_dir() / "objects"
    folder.mkdir(parents=True)
    ages = {"old": 3601, "young": 3599}
    for name, age in ages.items():
        tmp = folder / f"{files.TEMP_PREFIX}{name}"
        tmp.write_bytes(b"partial")
        os.utime(tmp, (now - age, now - age))
    (folder / "final.json").write_bytes(b"{}")
    os.utime(folder / "final.json", (now - 10 * 3600, now - 10 * 3600))
    removed = files.remove_stale_temp(layout.landing_dir(), older_than_s=settings.STALE_TEMP_S,
                                      now=now)  # fmt: skip
    assert removed == 1
    assert sorted(p.name for p in folder.iterdir()) == [f"{files.TEMP_PREFIX}young", "final.json"]
