"""Smoke tests of the benchmark code: what it measures is right (never how fast it is)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import COLUMNS, table
from bench.bi_queries import p95
from bench.common import GIB, Row, StageFailed, TreeMemory, product_env, run_stage

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIB = 1024**2


def _sampled_while_ready(code: str) -> TreeMemory:
    """Run ``code`` in a child that prints "ready" and then waits for a line on stdin; the
    memory of its process tree is sampled between the two."""
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        with TreeMemory([child.pid], interval=0.05) as mem:
            assert child.stdout.readline().strip() == "ready"
    finally:
        child.communicate("go\n", timeout=30)
    return mem


def test_tree_memory_sees_what_a_child_process_allocates(tmp_path: Path) -> None:
    # The child touches 300 MiB (every page written), then waits for us to sample it.
    code = (
        "import sys, time\n"
        "block = b'x' * (300 * 1024 * 1024)\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    mem = _sampled_while_ready(code)
    assert 300 * MIB <= mem.peak_single_rss < GIB
    assert 280 * MIB <= mem.peak_bytes < GIB


def test_tree_memory_sums_a_process_and_its_children() -> None:
    code = (
        "import subprocess, sys\n"
        'inner = \'import sys; b = bytes(200 * 1024 * 1024) + b"y"; '
        'b2 = b"z" * (200 * 1024 * 1024); print(1, flush=True); sys.stdin.readline()\'\n'
        "p = subprocess.Popen([sys.executable, '-c', inner], stdin=subprocess.PIPE, "
        "stdout=subprocess.PIPE, text=True)\n"
        "p.stdout.readline()\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "p.communicate('go\\n')\n"
    )
    mem = _sampled_while_ready(code)
    # The grandchild holds two 200 MiB blocks; the tree total includes it.
    assert mem.peak_bytes >= 380 * MIB
    assert mem.peak_single_rss >= 380 * MIB


def test_a_failing_stage_raises_with_its_error(tmp_path: Path) -> None:
    env = product_env(tmp_path / "data", {})
    with pytest.raises(StageFailed, match="collect needs --periods"):
        run_stage("collect", [], env, tmp_path / "stage.log")


def test_stages_land_and_validate_the_month_of_every_jobcenter(simulator, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = product_env(data, simulator.env)
    log = tmp_path / "stages.log"
    collected = run_stage("collect", ["--periods", "2026-10"], env, log)
    assert collected.value["result"]["collect"] == {
        "landed": 104,
        "unchanged": 0,
        "not_published": 0,
        "failed": 0,
    }
    assert len(list((data / "landing" / "records" / "2026-10").glob("*/r0001.json"))) == 104
    validated = run_stage("validate", ["--periods", "2026-10"], env, log)
    assert validated.value["result"]["validate"]["accepted"] == 104
    assert len(list((data / "accepted" / "2026-10").glob("*/r0001.parquet"))) == 104
    # What the bench reports about the stage process is plausible for a Python process.
    for t in (collected, validated):
        assert t.seconds > 0 and t.cpu_seconds > 0
        assert 20 * MIB < t.peak_bytes < 4 * GIB


def test_rows_compute_ratio_and_target() -> None:
    missed = Row("x", [3.0, 1.0, 2.0], baseline=[1.0, 1.0], target="≤ 1.5 s", check=(2.0, 1.5))
    assert missed.median == 2.0 and missed.baseline_median == 1.0 and missed.ratio == 2.0
    assert missed.met is False
    met = Row("y", [0.05], target="p95 ≤ 100 ms", check=(0.05, 0.1))
    assert met.met is True and met.ratio is None
    doc = missed.to_dict()
    assert doc["min"] == 1.0 and doc["max"] == 3.0 and doc["met"] is False
    text = table([missed, met])
    header = text.splitlines()[0]
    for column in COLUMNS:
        assert column in header
    assert "NO" in text.splitlines()[2] and "yes" in text.splitlines()[3]


def test_p95_is_the_nearest_rank() -> None:
    assert p95([float(i) for i in range(1, 101)]) == 95.0
    assert p95([0.01] * 19 + [5.0]) == 0.01
    assert p95([0.5]) == 0.5


def test_quick_run_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "validate_month"]
        + ["--results-dir", str(results), "--workdir", str(tmp_path / "work")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    header = next(line for line in proc.stdout.splitlines() if line.startswith("scenario"))
    for column in COLUMNS:
        assert column in header
    files = sorted(results.glob("*-quick.json"))
    assert len(files) == 1
    doc = json.loads(files[0].read_text())
    assert doc == json.loads((results / "latest.json").read_text())
    assert doc["complete"] is True and doc["mode"] == "quick" and doc["errors"] == {}
    rows = {r["scenario"]: r for r in doc["rows"]}
    month = rows["validate_month"]
    # It validated the simulator's real month: 104 clean reports, all accepted.
    assert month["details"]["reports"] == 104 and month["details"]["accepted"] == 104
    assert len(month["runs"]) == 1 and month["baseline_median"] > 0
    assert month["peak_memory_bytes"] > 0
    assert rows["validate_month_task"]["details"]["result"]["validate"]["accepted"] == 104
    # The work directory was removed.
    assert list((tmp_path / "work").iterdir()) == []
