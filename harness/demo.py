"""The whole pipeline on one machine, through the real Airflow (what `make demo` runs).

1. Starts the local SMTP sink and the jobcenter simulator (faults from
   scripts/demo_scenario.yaml, event files into data/events/).
2. Starts Airflow 3.3 (scheduler, dag-processor, triggerer, api-server; scripts/airflow_local.py).
3. Triggers ``jcw_collect`` for the period range over the REST API v2 and waits until the
   collection and the warehouse runs it caused have finished.
4. Publishes one correction at the simulator, which writes an event file; the AssetWatcher
   picks it up, ``jcw_intake`` fetches and validates it, ``jcw_warehouse`` publishes it.
   Prints the latency from the correction to its visibility in the published snapshot.
5. Runs the next morning's ``jcw_monitor`` (reminders, digest, completeness).
6. Prints the national table from data/warehouse/jobcenters.duckdb (read-only) next to the
   simulator's ground truth, and where to look. Stops everything; `make airflow` reopens
   the UI on the same data.

The demo's clock is the product's (``ingest.core.clock``): ``--today`` or ``JCW_TODAY``, else
today in Germany. It covers the 24 months whose reports are due by that day (the latest is the
last month whose due date, the 10th of the month after, has passed), so it works on every
day of the year; the simulator publishes on the same clock.

Usage: python scripts/demo.py [--periods 2018-01..2018-12] [--today YYYY-MM-DD] [--keep-data]
(``make demo``)
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
import yaml

from harness.airflow import (
    ADMIN_USER,
    LOCAL_LOGIN_NOTICE,
    UNPAUSE,
    AirflowStack,
    admin_password,
    airflow_env,
)
from harness.api import ApiClient
from harness.ports import pick_port
from harness.world import PUSHERS, World
from ingest.core import clock, layout, periods
from ingest.report.pdf import chromium_binary
from ingest.warehouse.snapshot import query, snapshot_path

SCENARIO = Path(__file__).resolve().parents[1] / "scripts" / "demo_scenario.yaml"
PIPELINE_DAGS = ("jcw_collect", "jcw_intake", "jcw_warehouse", "jcw_report")
# The jobcenter whose report gets corrected during the demo (Landeshauptstadt Wiesbaden).
CORRECTED = "06414"
PUSHED = PUSHERS[0]


def resolve_scenario(last: str) -> dict:
    """The demo scenario with its relative periods (``@last``, ``@last-1``, …) resolved."""
    doc = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    for fault in doc["faults"]:
        period = fault.get("period")
        if isinstance(period, str) and period.startswith("@last"):
            back = int(period[len("@last") :] or 0)
            fault["period"] = periods.shift(last, back)
    return doc


def default_periods(today: date) -> tuple[str, str]:
    """The 24 months ending with the latest one whose reports are due by ``today``."""
    last = periods.overdue_period(today)
    return periods.shift(last, -23), last


def parse_periods(text: str) -> tuple[str, str]:
    try:
        months = periods.parse_range(text)
    except periods.InvalidPeriod as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return months[0], months[-1]


def _current(snapshot: Path, kreis_ags: str, period: str) -> tuple[int, str] | None:
    """(revision, sha256) of the report the snapshot shows for this jobcenter and month."""
    rows = query(
        "select revision, sha256 from fct_jobcenter_month where kreis_ags = ? and period = ?",
        [kreis_ags, period],
        path=snapshot,
    )
    return (int(rows[0][0]), rows[0][1]) if rows else None


def _post(url: str, body: dict) -> dict:
    r = requests.post(url, json=body, timeout=30)
    r.raise_for_status()
    return r.json()


def _get(url: str) -> dict:
    r = requests.get(url, timeout=120)
    r.raise_for_status()
    return r.json()


def _report_path(data: Path, period: str) -> str:
    """The national report jcw_report wrote after the last publish, or why there is none."""
    html = data / "docs" / "report" / period / f"bericht_{period}.html"
    return str(html) if html.exists() else f"not generated: see the jcw_report runs ({html})"


def _pdf_path(data: Path, period: str) -> str:
    """The report's PDF, or in one line why it is missing and how to get it."""
    pdf = data / "docs" / "report" / period / f"bericht_{period}.pdf"
    if pdf.exists():
        return str(pdf)
    if chromium_binary() is None:
        return "skipped: Chromium is missing (sudo apt-get install chromium, then make demo)"
    return f"not printed: see the jcw_report runs ({pdf})"


def _fmt(n: object) -> str:
    return f"{int(n):>12,}".replace(",", ".") if n is not None else f"{'–':>12}"


def _step(text: str, started: float) -> None:
    print(f"[{time.monotonic() - started:6.1f} s] {text}", flush=True)


def print_national(snapshot: Path, truth: dict, latest: str) -> bool:
    """The national table (latest month and trend); returns True if it equals the truth."""
    rows = query(
        "select period, jobcenters_reporting, personen, bedarfsgemeinschaften, elb, "
        "integrationen, einwohner from national_month order by period desc limit 6",
        path=snapshot,
    )
    print()
    print("National totals of the kommunale Jobcenter (data/warehouse/jobcenters.duckdb)")
    header = (
        f"{'month':<8} {'reporting':>9} {'people':>12} {'BG':>12} {'ELB':>12} "
        f"{'integrations':>12} {'population':>12}"
    )
    print(header)
    print("-" * len(header))
    for period, reporting, personen, bg, elb, integ, einwohner in rows:
        print(
            f"{period:<8} {reporting:>9} {_fmt(personen)} {_fmt(bg)} {_fmt(elb)} "
            f"{_fmt(integ)} {_fmt(einwohner)}"
        )
    latest_row = next((r for r in rows if r[0] == latest), None)
    n = truth["national"]
    expected = (
        latest,
        n["jobcenters_reporting"],
        n["personen"],
        n["bedarfsgemeinschaften"],
        n["elb"],
        n["integrationen"],
        n["einwohner"],
    )
    print(
        f"{'truth':<8} {expected[1]:>9} {_fmt(expected[2])} {_fmt(expected[3])} "
        f"{_fmt(expected[4])} {_fmt(expected[5])} {_fmt(expected[6])}   "
        f"(simulator ground truth for {latest})"
    )
    same = latest_row is not None and tuple(int(x) for x in latest_row[1:]) == expected[1:]
    print(f"{latest}: warehouse {'equals' if same else 'DIFFERS FROM'} the ground truth")
    return same


def _push_delivery(
    world: World, snapshot: Path, last: str, timeout: float, started: float
) -> float:
    """A jobcenter that pushes publishes a correction: the simulator uploads the file to the
    gateway, which answers with the feedback at once; then wait for the snapshot."""
    t0 = time.monotonic()
    event = _post(f"{world.sim_url}/admin/correct", {"kreis_ags": PUSHED, "period": last})
    delivery = event.get("delivery") or {}
    _step(
        f"push upload {PUSHED} {last}: HTTP {delivery.get('status')}, feedback "
        f"{delivery.get('verdict')} (revision {delivery.get('revision')}, "
        f"{delivery.get('findings')} findings) after {time.monotonic() - t0:.2f} s",
        started,
    )
    sha = str(event["etag"]).strip('"')
    while (now := _current(snapshot, PUSHED, last)) is None or now[1] != sha:
        if time.monotonic() > t0 + timeout:
            raise TimeoutError("the pushed correction did not reach the published snapshot")
        time.sleep(0.5)
    latency = time.monotonic() - t0
    _step(f"push visible in the snapshot (revision {now[0]}) after {latency:.1f} s", started)
    return latency


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--periods", type=parse_periods, help="YYYY-MM..YYYY-MM")
    parser.add_argument(
        "--keep-data", action="store_true", help="do not start from an empty data directory"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per wait")
    parser.add_argument("--today", help="the demo's date YYYY-MM-DD (default: JCW_TODAY, today)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    today = clock.today(args.today)
    # A pinned clock reaches every process of the demo: Airflow's tasks read JCW_TODAY.
    pinned = {clock.TODAY_ENV: today.isoformat()} if args.today or clock.pinned() else {}
    first, last = args.periods or default_periods(today)
    data = layout.data_dir()
    if not args.keep_data and data.exists():
        # The demo owns data/: a fresh start makes the run reproducible.
        shutil.rmtree(data)
    data.mkdir(parents=True, exist_ok=True)
    print(f"jcw demo: {today:%d.%m.%Y}, months {first}..{last}, data in {data}")

    scenario = data / "demo_scenario.yaml"
    scenario.write_text(yaml.safe_dump(resolve_scenario(last)), encoding="utf-8")
    world = World(
        data,
        sim_port=pick_port(8765),
        smtp_port=pick_port(8025),
        gateway_port=pick_port(8090),
        today=today.isoformat(),
        scenario=scenario,
    )
    stack: AirflowStack | None = None
    ok = False
    try:
        world.start()
        _step(
            f"gateway on {world.gateway_url}, simulator on {world.sim_url}, "
            f"SMTP sink on 127.0.0.1:{world.smtp_port}",
            started,
        )
        port = int(os.environ.get("JCW_AIRFLOW_PORT", "0")) or pick_port(8080)
        stack = AirflowStack(
            airflow_env(data, api_port=port, extra={**world.airflow_vars(), **pinned})
        )
        stack.init()
        stack.start()
        stack.wait_healthy()
        password = admin_password(stack.env)
        api = ApiClient(stack.url, ADMIN_USER, password)
        api.wait_dags([*UNPAUSE, "jcw_monitor"])
        api.unpause(*(d for d in UNPAUSE if d != "jcw_collect"))
        _step(f"Airflow healthy at {stack.url}; DAGs parsed", started)
        print(LOCAL_LOGIN_NOTICE, flush=True)

        t0 = time.monotonic()
        # Unpausing jcw_collect would start today's sweep at once. The demo's run takes the
        # logical date of that sweep, so the scheduler sees it exists and creates no other.
        sweep = api.request("GET", "/dags/jcw_collect").get("next_dagrun_logical_date")
        # Airflow schedules on the real clock: compare with it, not with the demo's date.
        if sweep and datetime.fromisoformat(sweep.replace("Z", "+00:00")) > datetime.now(UTC):
            sweep = None  # --keep-data: today's sweep ran already; never date a run ahead
        conf = {"period_from": first, "period_to": last}
        try:
            run_id = api.trigger("jcw_collect", conf, logical_date=sweep)
        except RuntimeError:  # --keep-data: a run with that logical date exists already
            run_id = api.trigger("jcw_collect", conf)
        api.unpause("jcw_collect")
        _step(f"triggered jcw_collect {run_id}", started)
        state = api.wait_run("jcw_collect", run_id, args.timeout)
        _step(f"jcw_collect finished: {state}", started)
        api.wait_idle(PIPELINE_DAGS, args.timeout)
        snapshot = snapshot_path()
        if not snapshot.exists():
            raise RuntimeError("no snapshot was published; see the jcw_warehouse runs in the UI")
        collect_s = time.monotonic() - t0
        _step(f"collection → published warehouse in {collect_s:.0f} s", started)

        before = _current(snapshot, CORRECTED, last)
        t1 = time.monotonic()
        event = _post(f"{world.sim_url}/admin/correct", {"kreis_ags": CORRECTED, "period": last})
        sha = str(event["etag"]).strip('"')  # the simulator's ETag is the body's sha256
        _step(
            f"correction published: {CORRECTED} {last} source revision {event.get('revision')} "
            f"(the snapshot shows revision {before[0] if before else None})",
            started,
        )
        deadline = t1 + args.timeout
        while (now := _current(snapshot, CORRECTED, last)) is None or now[1] != sha:
            if time.monotonic() > deadline:
                raise TimeoutError("the correction did not reach the published snapshot")
            time.sleep(0.5)
        latency = time.monotonic() - t1
        _step(
            f"correction visible in the snapshot (revision {now[0]}) after {latency:.1f} s",
            started,
        )
        api.wait_idle(PIPELINE_DAGS, args.timeout)
        push_latency = _push_delivery(world, snapshot, last, args.timeout, started)
        api.wait_idle(PIPELINE_DAGS, args.timeout)

        tomorrow = today + timedelta(days=1)
        overdue = periods.overdue_period(tomorrow)
        if first <= overdue <= last:
            api.unpause("jcw_monitor")
            monitor = api.trigger("jcw_monitor", {"day": tomorrow.isoformat()})
            api.wait_idle(["jcw_monitor"], args.timeout)
            state = api.wait_run("jcw_monitor", monitor, args.timeout)
            _step(f"jcw_monitor for the morning of {tomorrow}: {state}", started)
        else:
            # Reminders for a month the demo did not collect would go to every jobcenter.
            _step(f"jcw_monitor left paused: overdue month {overdue} not collected", started)

        truth = _get(f"{world.sim_url}/admin/truth?period={last}")
        ok = print_national(snapshot, truth, last)
        mails = sorted((data / "mail" / "new").glob("*")) if (data / "mail").exists() else []
        print()
        print("Where to look")
        print(f"  Airflow UI      make airflow, then {stack.url}  (user {ADMIN_USER}, "
              f"password {password})")  # fmt: skip
        print(f"  mail received   {data / 'mail'} ({len(mails)} messages, Maildir)")
        print(f"  validation      {data / 'docs' / 'validation'}")
        print(f"  dbt docs        {data / 'docs' / 'dbt' / 'index.html'}")
        print(f"  warehouse       {snapshot} (open read-only: duckdb -readonly)")
        print(f"  national report {_report_path(data, last)}")
        print(f"  report PDF      {_pdf_path(data, last)}")
        print(f"  status          .venv/bin/jcw status --period {last}")
        print(f"  Airflow logs    {stack.home / 'logs'}")
        print()
        print(f"  gateway         {world.gateway_url} (PUT /v1/reports/<AGS>/<JJJJ-MM>, "
              f"POST /v1/notifications; attempts in {data / 'gateway' / 'attempts'})")  # fmt: skip
        print(f"  jobcenter page  {world.gateway_url}/jobcenter (sign in with a delivery key "
              "from `jcw gateway key AGS`)")  # fmt: skip
        print()
        print(f"correction (signed notice) → published snapshot: {latency:.1f} s")
        print(f"push upload → published snapshot: {push_latency:.1f} s")
        print(f"demo wall time: {time.monotonic() - started:.0f} s")
    finally:
        if stack:
            stack.stop()
        world.stop()
    return 0 if ok else 1
