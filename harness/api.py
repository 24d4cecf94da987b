"""A small client of the Airflow REST API v2 (JWT from ``POST /auth/token``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import requests


class ApiClient:
    """A small client of the Airflow REST API v2 (JWT from POST /auth/token)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username, "password": password}
        self._session = requests.Session()
        self._token_at: float | None = None

    def _auth(self) -> None:
        if self._token_at is not None and time.monotonic() - self._token_at < 600:
            return
        r = self._session.post(f"{self.base_url}/auth/token", json=self._credentials, timeout=30)
        r.raise_for_status()
        self._session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        self._token_at = time.monotonic()

    def response(self, method: str, path: str, **kwargs) -> requests.Response:
        """One API call as this user, whatever its status (403 and 404 are answers too)."""
        self._auth()
        return self._session.request(method, f"{self.base_url}/api/v2{path}", timeout=30, **kwargs)

    def on_response(self, hook: Callable[[requests.Response], None]) -> None:
        """Call ``hook`` with every HTTP answer this client receives, the token's included."""
        self._session.hooks["response"].append(lambda r, *args, **kwargs: hook(r))

    def request(self, method: str, path: str, **kwargs) -> dict:
        """One API call; raises with the server's answer on an error status."""
        r = self.response(method, path, **kwargs)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else {}

    def wait_dags(self, dag_ids: Iterable[str], timeout: float = 180) -> None:
        """Wait until the dag-processor has serialised every DAG and none has import errors."""
        wanted = set(dag_ids)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            errors = self.request("GET", "/importErrors").get("import_errors", [])
            if errors:
                raise RuntimeError(f"DAG import errors: {errors}")
            dags = {d["dag_id"] for d in self.request("GET", "/dags?limit=100")["dags"]}
            if wanted <= dags:
                return
            time.sleep(1)
        raise TimeoutError(f"DAGs {sorted(wanted)} not parsed after {timeout:.0f} s")

    def unpause(self, *dag_ids: str) -> None:
        for dag_id in dag_ids:
            self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(
        self, dag_id: str, conf: dict | None = None, logical_date: str | None = None
    ) -> str:
        """Trigger a manual run (by default with logical_date null) and return its run id."""
        body = {"logical_date": logical_date, "conf": conf or {}}
        return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.request("GET", f"/dags/{dag_id}/dagRuns?limit=100&order_by=-run_after")[
            "dag_runs"
        ]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 900) -> str:
        """Wait until one run has finished and return its state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state
            time.sleep(1)
        raise TimeoutError(f"{dag_id} run {run_id} not finished after {timeout:.0f} s")

    def wait_idle(self, dag_ids: Iterable[str], timeout: float = 900, settle: float = 5) -> None:
        """Wait until no run of these DAGs is queued or running for ``settle`` seconds."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            busy = [
                r["dag_run_id"]
                for d in dag_ids
                for r in self.runs(d)
                if r["state"] in ("queued", "running")
            ]
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return
            time.sleep(1)
        raise TimeoutError(f"runs of {sorted(dag_ids)} still busy after {timeout:.0f} s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """Every task instance of a run (the REST API returns at most 100 per page)."""
        tis: list[dict] = []
        while True:
            page = self.request(
                "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=100&offset={len(tis)}"
            )
            tis += page["task_instances"]
            total = page.get("total_entries")
            if not page["task_instances"] or (total is not None and len(tis) >= total):
                return tis
