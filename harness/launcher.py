"""``make airflow``: the Airflow UI on the demo's data, with the simulator and SMTP sink.

python scripts/airflow_local.py ui [--no-world]   # start everything, print the login, wait
python scripts/airflow_local.py init              # migrate the metadata DB, create pools
"""

from __future__ import annotations

import argparse
import os
import signal
import time

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
from harness.world import World
from ingest.core import layout


def _ui(args: argparse.Namespace) -> int:
    data = layout.data_dir()
    world = (
        World(
            data,
            sim_port=pick_port(8765),
            smtp_port=pick_port(8025),
            gateway_port=pick_port(8090),
            today=args.today,
        )
        if args.world
        else None
    )
    stack: AirflowStack | None = None
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        extra = {}
        if world:
            world.start()
            extra = world.airflow_vars()
        port = int(os.environ.get("JCW_AIRFLOW_PORT", "0")) or pick_port(8080)
        stack = AirflowStack(airflow_env(data, api_port=port, extra=extra))
        stack.init()
        stack.start()
        stack.wait_healthy()
        api = ApiClient(stack.url, ADMIN_USER, admin_password(stack.env))
        api.wait_dags(UNPAUSE)
        if args.unpause:
            api.unpause(*UNPAUSE)
        print(f"Airflow UI: {stack.url}  (user {ADMIN_USER}, password {admin_password(stack.env)})")
        print(LOCAL_LOGIN_NOTICE)
        print(f"AIRFLOW_HOME={stack.home}; component logs in {stack.log_dir}")
        if world:
            print(f"Simulator {world.sim_url}, SMTP sink 127.0.0.1:{world.smtp_port}")
        print("Press Ctrl-C to stop.", flush=True)
        while not stop["now"]:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        if stack:
            stack.stop()
        if world:
            world.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ui = sub.add_parser("ui", help="start all Airflow components and wait (Ctrl-C stops)")
    ui.add_argument(
        "--no-world",
        dest="world",
        action="store_false",
        help="do not start the simulator and the SMTP sink (for a real deployment)",
    )
    ui.add_argument(
        "--no-unpause",
        dest="unpause",
        action="store_false",
        help=f"leave the DAGs' pause state as it is (default: unpause {', '.join(UNPAUSE)})",
    )
    ui.add_argument("--today", help="simulator clock YYYY-MM-DD (default: the real date)")
    sub.add_parser("init", help="migrate the metadata DB and create the pools")
    args = parser.parse_args(argv)
    if args.command == "init":
        stack = AirflowStack(airflow_env())
        stack.init()
        print(f"initialised {stack.home}")
        return 0
    return _ui(args)
