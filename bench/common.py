"""Shared machinery of the benchmarks: options, timing, memory, workspaces, the simulator.

A scenario module exposes ``NAME``, ``DESCRIPTION`` and ``run(ctx) -> list[Row]``. Each
row carries the wall-clock seconds of every run, the peak memory of the process tree that
did the work, and (where the issue asks for one) the baseline measured in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# The simulator clock of every scenario: 2026-10 is published for all jobcenters.
TODAY = "2026-11-21"
LATEST = "2026-10"
FIRST = "2005-01"
GIB = 1024**3


@dataclass
class Options:
    """Command-line options shared by every scenario."""

    repeat: int = 3
    quick: bool = False
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))
    keep: bool = False
    # First month of the backfill / long history; None: FIRST (2005-01).
    backfill_from: str | None = None


@dataclass
class Row:
    """One line of the result table."""

    scenario: str
    runs: list[float]
    peak_bytes: int | None = None
    baseline: list[float] | None = None
    target: str = "—"
    # (value the target is checked on, limit): met when value <= limit.
    check: tuple[float, float] | None = None
    unit: str = "s"
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        b = self.baseline_median
        m = self.median
        return m / b if m is not None and b else None

    @property
    def met(self) -> bool | None:
        if self.check is None:
            return None
        value, limit = self.check
        return value <= limit

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "unit": self.unit,
            "runs": [round(r, 4) for r in self.runs],
            "median": _r(self.median),
            "min": _r(min(self.runs) if self.runs else None),
            "max": _r(max(self.runs) if self.runs else None),
            "peak_memory_bytes": self.peak_bytes,
            "baseline_runs": [round(r, 4) for r in self.baseline] if self.baseline else None,
            "baseline_median": _r(self.baseline_median),
            "ratio": _r(self.ratio),
            "target": self.target,
            "checked_value": _r(self.check[0]) if self.check else None,
            "met": self.met,
            "note": self.note,
            "details": self.details,
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


class Context:
    """What a scenario gets: options, a private work area, and caches shared in one run."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.root = Path(tempfile.mkdtemp(prefix="jcw-bench-", dir=options.workdir))
        self.shared: dict[str, Any] = {}
        self._cleanups: list[Callable[[], None]] = []

    def repeat(self, default: int | None = None) -> int:
        """Runs per measurement: 1 in quick mode, else ``--repeat`` (or a scenario's cap)."""
        if self.options.quick:
            return 1
        return self.options.repeat if default is None else min(default, self.options.repeat)

    def new_dir(self, name: str) -> Path:
        """A fresh directory below the run's work area."""
        path = self.root / name
        n = 1
        while path.exists():
            n += 1
            path = self.root / f"{name}-{n}"
        path.mkdir(parents=True)
        return path

    def on_close(self, fn: Callable[[], None]) -> None:
        self._cleanups.append(fn)

    def close(self) -> None:
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception as exc:  # cleanup must not hide the results
                print(f"cleanup failed: {exc}", file=sys.stderr)
        self._cleanups.clear()
        if not self.options.keep:
            shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------- memory


class TreeMemory:
    """Samples the memory of a process tree in a background thread.

    ``peak_bytes`` is the highest sum over the tree of each process's PSS (proportional set
    size: shared pages are split between the processes sharing them, so forked workers are
    not counted many times); ``peak_single_rss`` the highest RSS of any one process.
    """

    def __init__(self, pids: list[int] | None = None, interval: float = 0.1) -> None:
        self.pids = pids or [os.getpid()]
        self.interval = interval
        self.peak_bytes = 0
        self.peak_single_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="bench-mem")

    def _sample(self) -> None:
        import psutil

        seen: set[int] = set()
        total = 0
        for pid in list(self.pids):
            try:
                root = psutil.Process(pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for p in procs:
                if p.pid in seen:
                    continue
                seen.add(p.pid)
                try:
                    info = p.memory_full_info()
                except psutil.Error:
                    continue
                total += getattr(info, "pss", info.rss)
                self.peak_single_rss = max(self.peak_single_rss, info.rss)
        self.peak_bytes = max(self.peak_bytes, total)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


@dataclass
class Timed:
    seconds: float
    peak_bytes: int
    peak_single_rss: int
    value: Any = None
    # CPU seconds (user + system) of the stage process and the children it waited for.
    cpu_seconds: float | None = None


def timed(fn: Callable[[], Any], pids: list[int] | None = None) -> Timed:
    """Run ``fn`` and measure its wall time and the peak memory of the tree(s) ``pids``."""
    with TreeMemory(pids) as mem:
        t0 = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - t0
    return Timed(seconds, mem.peak_bytes, mem.peak_single_rss, value)


# --------------------------------------------------------------------------- stages


class StageFailed(RuntimeError):
    """A pipeline stage subprocess exited non-zero."""


def run_stage(stage: str, args: list[str], env: dict[str, str], log: Path) -> Timed:
    """Run ``python -m bench.stages <stage> ...`` as its own process; time it, sample memory.

    The stage prints one JSON line on success; it is returned as ``Timed.value``.
    """
    import resource

    cmd = [PY, "-m", "bench.stages", stage, *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=out)
        with TreeMemory([proc.pid]) as mem:
            stdout, _ = proc.communicate()
        seconds = time.perf_counter() - t0
        out.write(stdout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise StageFailed(f"stage {stage} exited {proc.returncode}:\n" + "\n".join(tail))
    lines = [line for line in stdout.decode().splitlines() if line.startswith("{")]
    value = json.loads(lines[-1]) if lines else None
    return Timed(seconds, mem.peak_bytes, mem.peak_single_rss, value, cpu)


def product_env(data: Path, sim_env: dict[str, str], extra: dict[str, str] | None = None) -> dict:
    """Environment of a product process: its data dir and the jobcenter connections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_JC_")}
    env.update(sim_env)
    env["JCW_DATA_DIR"] = str(data)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.setdefault("NO_PROXY", "127.0.0.1,localhost")
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------- simulator


@contextmanager
def simulator(workdir: Path, scale: int | None = None) -> Iterator[Any]:
    """A real ``python -m simulator serve`` subprocess on loopback (clock: TODAY)."""
    from harness.simulator import SimulatorProcess

    sim = SimulatorProcess(workdir, scale=scale, today=TODAY)
    try:
        yield sim
    finally:
        sim.stop()


def shared_simulator(ctx: Context) -> Any:
    """One 104-jobcenter simulator for the whole bench run (started on first use)."""
    if "simulator" not in ctx.shared:
        cm = simulator(ctx.new_dir("simulator"))
        ctx.shared["simulator"] = cm.__enter__()
        ctx.on_close(lambda: cm.__exit__(None, None, None))
    return ctx.shared["simulator"]


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    if n >= GIB:
        return f"{n / GIB:.2f} GiB"
    return f"{n / 1024**2:.0f} MiB"
