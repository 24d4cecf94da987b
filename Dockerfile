# syntax=docker/dockerfile:1.7
# The jcw image: Airflow 3.3.2 and the whole locked environment (uv.lock), plus the DAGs,
# plugins, ingest/, expectations/, dbt_project/ and the simulator (demo profile).
# Every Airflow component in docker-compose.yml runs this image with a different command.

FROM ghcr.io/astral-sh/uv:0.13.8 AS uv

FROM python:3.11.11-slim-bookworm AS build
COPY --from=uv /uv /usr/local/bin/uv
# Bytecode compiled at install halves every process start (platform notes section 1).
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/jcw/.venv
WORKDIR /opt/jcw
# Dependencies first (cached layer), exactly as locked; no dev tools in the image.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
# The project itself, installed editable so ingest.core.settings.PROJECT_ROOT is /opt/jcw and
# finds expectations/ and dbt_project/ beside it.
COPY ingest/ ingest/
COPY simulator/ simulator/
COPY harness/ harness/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

FROM python:3.11.11-slim-bookworm
# The FAB auth manager (personal accounts, roles) is the image's default, so no component
# ever starts with Airflow's development-only SimpleAuthManager.
ENV PATH=/opt/jcw/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__AUTH_MANAGER=airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager \
    JCW_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
# The same uid as the official Airflow image, group 0 so an arbitrary uid (OpenShift) works.
RUN useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home airflow \
 && mkdir -p /data/events /data/warehouse /opt/airflow/logs \
 && chown -R 50000:0 /data /opt/airflow \
 && chmod -R g+rwX /data /opt/airflow
WORKDIR /opt/jcw
COPY --from=build --chown=50000:0 /opt/jcw /opt/jcw
COPY --chown=50000:0 dags/ dags/
COPY --chown=50000:0 plugins/ plugins/
COPY --chown=50000:0 expectations/ expectations/
COPY --chown=50000:0 dbt_project/ dbt_project/
USER 50000
# Smoke test: Airflow, its user commands (FAB) and the jcw CLI start inside the image (fails
# the build, not the run).
RUN airflow version && airflow users create --help >/dev/null && jcw --help >/dev/null
CMD ["airflow", "version"]
