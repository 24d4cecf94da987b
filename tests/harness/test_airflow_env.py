"""The embedded default logs in with the SimpleAuthManager; the production auth manager
leaves nothing of it in the environment of the Airflow processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.airflow import FAB_AUTH_MANAGER, airflow_env, uses_simple_auth


@pytest.fixture(autouse=True)
def _no_auth_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.delenv("AIRFLOW__CORE__AUTH_MANAGER", raising=False)
    monkeypatch.delenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", raising=False)
    monkeypatch.delenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", raising=False)


def test_the_embedded_default_is_one_local_admin(tmp_path: Path) -> None:
    env = airflow_env(tmp_path, api_port=18080)
    assert uses_simple_auth(env)
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == str(
        tmp_path.resolve() / "airflow" / "passwords.json"
    )


def test_the_production_auth_manager_drops_every_simple_setting(tmp_path: Path) -> None:
    env = airflow_env(
        tmp_path, api_port=18080, extra={"AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER}
    )
    assert not uses_simple_auth(env)
    assert env["AIRFLOW__CORE__AUTH_MANAGER"] == FAB_AUTH_MANAGER
    assert [k for k in env if "SIMPLE_AUTH" in k] == []
