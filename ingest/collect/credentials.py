"""Where a jobcenter's endpoint and bearer token come from.

Inside an Airflow task: the Airflow connection ``jc_<ags>`` (host = base URL, password =
token), read through the Task SDK so the secrets backend and log masking apply. Outside
Airflow (CLI, tests, benchmarks): the environment variable ``AIRFLOW_CONN_JC_<AGS>`` holding
the same connection as JSON. The token never appears in a repr, a log line or an exception.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

from ingest.core import settings
from ingest.core.errors import FetchError


@dataclass(frozen=True)
class Endpoint:
    """Base URL of one jobcenter's report API and its bearer token (hidden from repr/str)."""

    base_url: str
    token: str = field(repr=False)

    def __str__(self) -> str:
        return f"Endpoint(base_url={self.base_url!r}, token=***)"


def _in_airflow_task() -> bool:
    runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    return runner is not None and getattr(runner, "SUPERVISOR_COMMS", None) is not None


def _base_url(host: str, schema: str | None, port: int | None) -> str:
    host = (host or "").strip().rstrip("/")
    if "://" in host:
        return host
    scheme = schema if schema in ("http", "https") else "https"
    return f"{scheme}://{host}{f':{port}' if port else ''}"


def _from_fields(
    kreis_ags: str, host: str | None, schema: str | None, port: int | None, token: str | None
) -> Endpoint:
    conn_id = settings.CONNECTION_ID_TEMPLATE.format(kreis_ags=kreis_ags)
    if not host:
        raise FetchError(kreis_ags, None, "no_credentials", f"connection {conn_id} has no host")
    if not token:
        raise FetchError(kreis_ags, None, "no_credentials", f"connection {conn_id} has no token")
    return Endpoint(base_url=_base_url(host, schema, port), token=token)


def env_var_name(kreis_ags: str) -> str:
    """``AIRFLOW_CONN_JC_<AGS>``: the environment variable of a jobcenter's connection."""
    conn_id = settings.CONNECTION_ID_TEMPLATE.format(kreis_ags=kreis_ags)
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def _from_env(kreis_ags: str) -> Endpoint:
    name = env_var_name(kreis_ags)
    raw = os.environ.get(name)
    if not raw:
        raise FetchError(kreis_ags, None, "no_credentials", f"environment variable {name} not set")
    try:
        conn = json.loads(raw)
    except ValueError:
        raise FetchError(
            kreis_ags, None, "no_credentials", f"{name} is not a JSON connection"
        ) from None
    if not isinstance(conn, dict):
        raise FetchError(kreis_ags, None, "no_credentials", f"{name} is not a JSON object")
    port = conn.get("port")
    return _from_fields(
        kreis_ags,
        conn.get("host"),
        conn.get("schema"),
        int(port) if port else None,
        conn.get("password"),
    )


def _from_airflow(kreis_ags: str) -> Endpoint:
    from airflow.sdk import BaseHook

    conn_id = settings.CONNECTION_ID_TEMPLATE.format(kreis_ags=kreis_ags)
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:  # AirflowNotFoundException and backend errors
        raise FetchError(
            kreis_ags, None, "no_credentials", f"Airflow connection {conn_id}: {type(exc).__name__}"
        ) from None
    return _from_fields(kreis_ags, conn.host, conn.schema, conn.port, conn.password)


def endpoint(kreis_ags: str) -> Endpoint:
    """The endpoint of jobcenter ``kreis_ags``; FetchError(kind="no_credentials") if unset."""
    if _in_airflow_task():
        return _from_airflow(kreis_ags)
    return _from_env(kreis_ags)
