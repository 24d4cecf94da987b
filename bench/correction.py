"""A signed notice of a correction → visible in the published snapshot, through the real
Airflow stack (the notice → snapshot figure of the issue).

Timed: ``POST /admin/correct`` at the simulator, which sends the jobcenter's signed notice to
the gateway (``jcw gateway serve`` of the World; the gateway writes the event into
``data/events/``), until ``fct_jobcenter_month`` in the published snapshot shows the new
revision. In between: the AssetWatcher in the triggerer, ``jcw_intake`` (claim, collect,
validate), ``jcw_warehouse`` (build, publish). Each run corrects another jobcenter.
:func:`time_to_snapshot` is shared with :mod:`bench.push_snapshot`.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request

from bench.airflow_stack import IDLE_DAGS, PIPELINE_DAGS, get_stack, task_durations
from bench.common import LATEST, Context, Row, TreeMemory
from ingest.warehouse.snapshot import query

NAME = "correction"
DESCRIPTION = "a correction event → visible in the published snapshot (Airflow)"
TARGET_S = 10.0  # issue 14 (was 15 s)
# Jobcenters corrected in turn: Wiesbaden, Kreis Offenbach, Essen, Emsland, Hochsauerland.
CORRECTED = ("06414", "06438", "05113", "03454", "05958")


def _revision(snapshot, ags: str, period: str) -> int | None:
    try:
        rows = query(
            "select revision from fct_jobcenter_month where kreis_ags = ? and period = ?",
            [ags, period],
            path=snapshot,
        )
    except Exception:  # the file is being swapped in; ask again
        return -1
    return int(rows[0][0]) if rows else None


def _post(url: str, body: dict) -> dict:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def run(ctx: Context) -> list[Row]:
    note = "signed notice → AssetWatcher → jcw_intake → jcw_warehouse → snapshot"
    return time_to_snapshot(ctx, NAME, CORRECTED[: min(ctx.repeat(), len(CORRECTED))], note)


def time_to_snapshot(ctx: Context, name: str, corrected: tuple[str, ...], note: str) -> list[Row]:
    """Correct each of ``corrected`` in turn; the seconds until the snapshot shows it."""
    s = get_stack(ctx)
    runs, details = [], []
    with TreeMemory(s.pids(), interval=0.5) as mem:
        for ags in corrected:
            before_rev = _revision(s.snapshot, ags, LATEST)
            before_runs = {d: {r["dag_run_id"] for r in s.api.runs(d)} for d in PIPELINE_DAGS}
            t0 = time.perf_counter()
            event = _post(f"{s.world.sim_url}/admin/correct", {"kreis_ags": ags, "period": LATEST})
            deadline = time.monotonic() + 600
            while (rev := _revision(s.snapshot, ags, LATEST)) in (before_rev, -1):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"correction of {ags} {LATEST} not visible after 600 s")
                time.sleep(0.1)
            runs.append(time.perf_counter() - t0)
            s.api.wait_idle(IDLE_DAGS, timeout=600, settle=3)
            new = {
                d: [r["dag_run_id"] for r in s.api.runs(d) if r["dag_run_id"] not in before_runs[d]]
                for d in ("jcw_intake", "jcw_warehouse")
            }
            details.append(
                {
                    "kreis_ags": ags,
                    "revision": [before_rev, rev, event.get("revision")],
                    "delivery": event.get("delivery"),
                    "seconds": round(runs[-1], 3),
                    "tasks": {
                        d: [task_durations(s.api, d, r) for r in ids] for d, ids in new.items()
                    },
                }
            )
    return [
        Row(
            name,
            runs,
            peak_bytes=mem.peak_bytes,
            target=f"≤ {TARGET_S:.0f} s",
            check=(statistics.median(runs), TARGET_S),
            note=note,
            details={"period": LATEST, "runs": details},
        )
    ]
