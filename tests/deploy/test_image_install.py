"""The Dockerfile's install steps, run without Docker.

There is no Docker engine here, so the image is not built. What can be proven is proven: the
`uv sync` lines of the Dockerfile, with its ENV, run in a scratch copy of exactly what the
Dockerfile copies before them, and the smoke test of its last RUN line passes in the
resulting environment (no dev tools, the locked versions, the FAB auth manager the image
sets, the jcw CLI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO

pytestmark = pytest.mark.production


def dockerfile_build_stage() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """ENV settings and the ordered (COPY sources | RUN command) steps of the build stage."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    stage = text.split(" AS build", 1)[1].split("\nFROM ", 1)[0]
    env: dict[str, str] = {}
    steps: list[tuple[str, str]] = []
    for line in stage.splitlines():
        line = line.strip()
        if line.startswith("ENV "):
            env |= dict(re.findall(r"(\w+)=(\S+)", line))
        elif line.startswith("COPY ") and "--from=" not in line:
            steps.append(("COPY", line.split(None, 1)[1]))
        elif line.startswith("RUN "):
            command = re.sub(r"--mount=\S+\s*", "", line[4:]).strip()
            steps.append(("RUN", command))
    return env, steps


def test_dockerfile_install_steps_work_with_the_lock(tmp_path: Path) -> None:
    env_settings, steps = dockerfile_build_stage()
    assert env_settings.get("UV_COMPILE_BYTECODE") == "1"
    project = tmp_path / "jcw"
    project.mkdir()
    venv = project / ".venv"
    env = {
        **os.environ,
        **env_settings,
        "UV_PROJECT_ENVIRONMENT": str(venv),
        # Hard links instead of copies: same result, a fraction of the disk and time here.
        "UV_LINK_MODE": "hardlink",
    }
    env.pop("VIRTUAL_ENV", None)
    uv = shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")
    ran = 0
    for kind, arg in steps:
        if kind == "COPY":
            *sources, _ = arg.split()
            for source in sources:
                src = REPO / source
                if src.is_dir():
                    shutil.copytree(
                        src, project / source, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy2(src, project / source)
        else:
            assert arg.startswith("uv sync"), arg
            done = subprocess.run(
                [uv, *arg.split()[1:]], cwd=project, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr[-3000:]
            ran += 1
    assert ran == 2
    # No dev tools in the image; the runtime pieces at their locked versions.
    bin_dir = venv / "bin"
    assert not (bin_dir / "pytest").exists() and not (bin_dir / "ruff").exists()
    smoke = subprocess.run(
        [str(bin_dir / "python"), "-c",
         "import airflow, celery, psycopg, dbt.version, duckdb; "
         "from airflow.providers.celery.executors import celery_executor; "
         "from airflow.providers.fab.auth_manager.fab_auth_manager import FabAuthManager; "
         "print(airflow.__version__, duckdb.__version__, celery.__version__)"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert smoke.returncode == 0, smoke.stderr[-3000:]
    airflow_version, duckdb_version, _ = smoke.stdout.strip().splitlines()[-1].split()
    assert airflow_version == "3.3.2"
    assert duckdb_version.startswith("2.0")
    jcw = subprocess.run(
        [str(bin_dir / "jcw"), "--help"], cwd=project, env=env, capture_output=True, text=True
    )
    assert jcw.returncode == 0 and "rebuild" in jcw.stdout
    # Bytecode was compiled at install (halves every process start, platform notes §1).
    assert any((venv / "lib").rglob("airflow/__pycache__/*.pyc"))
