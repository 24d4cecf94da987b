"""The real Airflow stack for the scheduler scenarios, started once per bench run.

Uses scripts/airflow_local.py (what `make airflow` and the demo use): the simulator and the
SMTP sink (``World``), then the scheduler, dag-processor, triggerer and api-server with
AIRFLOW_HOME inside a fresh data directory. Unpausing ``jcw_collect`` runs one sweep of the
latest four months at once; the stack waits until that and the warehouse run it causes are
done, so every timed run afterwards starts from an idle system with a built warehouse.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import TODAY, Context

PIPELINE_DAGS = ("jcw_collect", "jcw_intake", "jcw_warehouse")
# Every timed run starts once these are idle: the national report renders after each
# publish (Chromium, ≈ 20 s of CPU) and would otherwise share the two cores with the run.
IDLE_DAGS = (*PIPELINE_DAGS, "jcw_report")


@dataclass
class Stack:
    """A running World + AirflowStack and an API client."""

    data: Path
    world: Any
    stack: Any
    api: Any
    warmup_s: float
    started_s: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def snapshot(self) -> Path:
        return self.data / "warehouse" / "jobcenters.duckdb"

    def pids(self) -> list[int]:
        return [p.pid for p in [*self.stack.procs.values(), *self.world.procs.values()]]


def get_stack(ctx: Context, timeout: float = 1800) -> Stack:
    """The run's Airflow stack (started, warmed up and registered for shutdown on first use)."""
    if "airflow" in ctx.shared:
        return ctx.shared["airflow"]
    from harness.airflow import ADMIN_USER, UNPAUSE, AirflowStack, admin_password, airflow_env
    from harness.api import ApiClient
    from harness.ports import free_port
    from harness.world import World

    data = ctx.new_dir("airflow-data")
    t0 = time.perf_counter()
    world = World(
        data, sim_port=free_port(), smtp_port=free_port(), gateway_port=free_port(), today=TODAY
    )
    world.start()
    ctx.on_close(world.stop)
    # Two ports above the API port are the log servers (see airflow_env).
    port = free_port()
    # airflow_env lets the caller's environment win; `make bench` exports JCW_DATA_DIR
    # (the repo's data/), so the bench's own data dir and AIRFLOW_HOME are forced here.
    saved = {k: os.environ.pop(k, None) for k in ("JCW_DATA_DIR", "AIRFLOW_HOME")}
    try:
        env = airflow_env(data, api_port=port, extra=world.airflow_vars())
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    env.update({"JCW_DATA_DIR": str(data), "AIRFLOW_HOME": str(data / "airflow")})
    stack = AirflowStack(env)
    ctx.on_close(stack.stop)
    stack.init()
    stack.start()
    stack.wait_healthy(timeout=600)
    api = ApiClient(stack.url, ADMIN_USER, admin_password(stack.env))
    api.wait_dags(UNPAUSE, timeout=600)
    started = time.perf_counter() - t0
    api.unpause(*UNPAUSE)
    # The first unpause of jcw_collect runs one sweep (the latest four months); then the
    # warehouse builds. Wait for both: that is the starting state of every timed run.
    deadline = time.monotonic() + timeout
    while not api.runs("jcw_collect"):
        if time.monotonic() > deadline:
            raise TimeoutError("the first jcw_collect sweep did not start")
        time.sleep(1)
    snapshot = data / "warehouse" / "jobcenters.duckdb"
    while not snapshot.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the first sweep published no snapshot")
        failed = [r for d in PIPELINE_DAGS for r in api.runs(d) if r["state"] == "failed"]
        if failed:
            first = failed[0]
            raise RuntimeError(f"warm-up run failed: {first['dag_id']} {first['dag_run_id']}")
        time.sleep(2)
    api.wait_idle(IDLE_DAGS, timeout=timeout)
    result = Stack(data, world, stack, api, time.perf_counter() - t0 - started, started)
    ctx.shared["airflow"] = result
    return result


def task_durations(api: Any, dag_id: str, run_id: str) -> dict[str, dict[str, float]]:
    """Per task id: number of instances, summed and longest duration (s), from the API."""
    out: dict[str, dict[str, float]] = {}
    for ti in api.task_instances(dag_id, run_id):
        d = float(ti.get("duration") or 0.0)
        entry = out.setdefault(ti["task_id"], {"n": 0, "sum_s": 0.0, "max_s": 0.0})
        entry["n"] += 1
        entry["sum_s"] = round(entry["sum_s"] + d, 3)
        entry["max_s"] = round(max(entry["max_s"], d), 3)
    return out
