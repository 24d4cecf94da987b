"""Settings of the pipeline: project paths, limits and names, in one place.

The layout of the data directory (``JCW_DATA_DIR``) is owned by :mod:`ingest.core.layout`;
the reporting calendar (due day, Wartezeit) by :mod:`ingest.core.periods`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# The dbt seeds: the registry of jobcenters, the Länder, the target agreements. ingest and
# dbt read the same directory: dbt_project/seeds, or the sibling directory JCW_SEEDS_DIR
# names (e.g. "seeds_scale_407", the simulator's 407-jobcenter world in bench/scale_407.py;
# dbt_project.yml reads the variable for seed-paths). It must sit inside dbt_project/: dbt
# writes a seed's compiled SQL to <target>/run/<its path>, which for a path outside the
# project is the CSV file itself.
SEEDS_DIR_NAME = os.environ.get("JCW_SEEDS_DIR", "seeds")
if not re.fullmatch(r"seeds[A-Za-z0-9_-]*", SEEDS_DIR_NAME):
    raise ValueError(
        f"JCW_SEEDS_DIR={SEEDS_DIR_NAME!r}: name a directory directly inside dbt_project/ "
        "whose name starts with 'seeds' (e.g. seeds_scale_407); dbt needs seeds inside the "
        "project"
    )
SEEDS_DIR = DBT_PROJECT_DIR / SEEDS_DIR_NAME
REGISTRY_CSV = SEEDS_DIR / "jobcenters.csv"
LANDS_CSV = SEEDS_DIR / "lands.csv"

# HTTP limits of the fetch client.
CONNECT_TIMEOUT_S = float(os.environ.get("JCW_CONNECT_TIMEOUT_S", "5"))
READ_TIMEOUT_S = float(os.environ.get("JCW_READ_TIMEOUT_S", "15"))
TOTAL_DEADLINE_S = float(os.environ.get("JCW_TOTAL_DEADLINE_S", "60"))
MAX_BODY_BYTES = int(os.environ.get("JCW_MAX_BODY_BYTES", str(5 * 1024 * 1024)))
MAX_RETRIES = int(os.environ.get("JCW_MAX_RETRIES", "4"))
BACKOFF_BASE_S = float(os.environ.get("JCW_BACKOFF_BASE_S", "0.5"))
MAX_RETRY_AFTER_S = float(os.environ.get("JCW_MAX_RETRY_AFTER_S", "30"))

# Airflow connection id of a jobcenter's endpoint: host = base URL, password = bearer token.
# In the embedded default they come from environment variables AIRFLOW_CONN_JC_<AGS>.
CONNECTION_ID_TEMPLATE = "jc_{kreis_ags}"

# Mail.
SMTP_CONN_ID = "smtp_default"
TEAM_EMAIL = os.environ.get("JCW_TEAM_EMAIL", "statistik-zentrale@jcw.test")
MAIL_FROM = os.environ.get("JCW_MAIL_FROM", "jcw-pipeline@jcw.test")

# Optional CA bundle for jobcenter endpoints with a private CA. TLS is verified either way.
CA_BUNDLE = os.environ.get("JCW_CA_BUNDLE") or None
# A temp file (a killed writer's leftover) older than this many seconds may be removed.
STALE_TEMP_S = float(os.environ.get("JCW_STALE_TEMP_S", "3600"))
