"""Push upload → feedback: the 104 reports of a month PUT to a warmed gateway over HTTP.

A real ``jcw gateway serve`` process (uvicorn) on its own data dir; ``jcw gateway
credentials`` issues one delivery key per jobcenter (the product's own command). The bodies
are the simulator's bytes of 2026-10 as its endpoints serve them (every wire format of the
world). The gateway is warmed by one untimed push of another month. Timed: the wall time of
each ``PUT /v1/reports/{ags}/{period}`` with ``requests``, from sending to the feedback's
last byte (land, validate this revision, verdict/Parquet/quarantine files, the month's page,
the event). One row per run of 104 uploads: p50, p95 and max against the 1 s target.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.common import LATEST, PROJECT_ROOT, Context, Row, TreeMemory, shared_simulator
from harness.ports import free_port, wait_port

NAME = "push_feedback"
DESCRIPTION = "push upload → feedback over HTTP, the 104 reports of a month (warmed gateway)"
TARGET_S = 1.0
WARM_PERIOD = "2026-09"  # the untimed warm-up push (first GX run, first page)
JCW = str(Path(sys.executable).parent / "jcw")


def _bodies(sim) -> dict[str, tuple[bytes, str]]:
    """The simulator's bytes and content type of every jobcenter's report of LATEST."""
    out = {}
    for name in sorted(sim.env):
        ags = name.removeprefix("AIRFLOW_CONN_JC_")
        for period in (WARM_PERIOD, LATEST):
            resp = requests.get(
                sim.url(ags, period),
                headers={"Authorization": f"Bearer {sim.token(ags)}"},
                timeout=60,
            )
            resp.raise_for_status()
            out[(ags, period)] = (resp.content, resp.headers["Content-Type"])
    return out


def _gateway(ctx: Context, data: Path) -> tuple[subprocess.Popen, str, dict[str, str]]:
    """A running gateway on ``data`` and a delivery key for every jobcenter."""
    env = {**os.environ, "JCW_DATA_DIR": str(data), "JCW_GATEWAY_RATE_PER_MINUTE": "100000"}
    port = free_port()
    log = (data.parent / "gateway.log").open("ab")
    proc = subprocess.Popen(
        [JCW, "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    log.close()
    ctx.on_close(lambda: (proc.terminate(), proc.wait(20)))
    url = f"http://127.0.0.1:{port}"
    creds = data.parent / "jobcenters" / "credentials.json"
    creds.parent.mkdir(mode=0o700)
    from ingest.core.registry import jobcenters

    pushers = [a for jc in jobcenters() for a in ("--push", jc.kreis_ags)]
    subprocess.run(
        [JCW, "gateway", "credentials", "--out", str(creds), "--gateway", url, *pushers],
        cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    wait_port("127.0.0.1", port, 180, proc)
    return proc, url, json.loads(creds.read_text())["keys"]


def _put(session: requests.Session, url: str, key: str, body: bytes, ctype: str) -> tuple:
    t0 = time.perf_counter()
    resp = session.put(
        url,
        data=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": ctype},
        timeout=120,
    )
    seconds = time.perf_counter() - t0
    return seconds, resp.status_code, resp.json().get("verdict")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def run(ctx: Context) -> list[Row]:
    sim = shared_simulator(ctx)
    bodies = _bodies(sim)
    months = ctx.repeat(3)
    per_run, details, peak = [], [], 0
    for n in range(months):
        data = ctx.new_dir(f"push-{n}") / "data"
        data.mkdir()
        proc, url, keys = _gateway(ctx, data)
        session = requests.Session()
        ags_list = sorted(keys)
        # Warm-up, untimed: the first validation in the process and the first page.
        warm = ags_list[0]
        _put(
            session,
            f"{url}/v1/reports/{warm}/{WARM_PERIOD}",
            keys[warm],
            *bodies[(warm, WARM_PERIOD)],
        )
        seconds, statuses = [], {}
        with TreeMemory([proc.pid], interval=0.2) as mem:
            for ags in ags_list:
                body, ctype = bodies[(ags, LATEST)]
                s, status, verdict = _put(
                    session, f"{url}/v1/reports/{ags}/{LATEST}", keys[ags], body, ctype
                )
                seconds.append(s)
                statuses[f"{status} {verdict}"] = statuses.get(f"{status} {verdict}", 0) + 1
        peak = max(peak, mem.peak_bytes)
        proc.terminate()
        proc.wait(20)
        per_run.append(seconds)
        details.append(
            {
                "p50_s": round(statistics.median(seconds), 4),
                "p95_s": round(_p95(seconds), 4),
                "max_s": round(max(seconds), 4),
                "statuses": statuses,
                "seconds": [round(s, 4) for s in seconds],
                "load_average": list(os.getloadavg()),
            }
        )
    every = [s for run_ in per_run for s in run_]
    p95 = _p95(every)
    return [
        Row(
            NAME,
            every,
            peak_bytes=peak,
            target=f"p95 ≤ {TARGET_S:.0f} s",
            check=(p95, TARGET_S),
            note=(
                f"{len(every)} uploads: p50 {statistics.median(every):.2f} s, "
                f"p95 {p95:.2f} s, max {max(every):.2f} s"
            ),
            details={"period": LATEST, "runs": details},
        )
    ]
