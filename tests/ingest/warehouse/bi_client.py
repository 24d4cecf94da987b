"""What a BI tool does with the snapshot, run by the Python of a separate environment.

Superset and the notebooks of the central team use SQLAlchemy with duckdb-engine and pandas,
in their own environment: this script imports nothing of the project. It opens the snapshot
read-only, inspects tables and columns, runs two analyst queries and tries one write, and
prints one JSON object on stdout.

    python bi_client.py <snapshot.duckdb> <period>
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version

import pandas as pd
import sqlalchemy as sa

NATIONAL_LATEST = """
select period, jobcenters_expected, jobcenters_reporting, personen, elb, integrationen
from national_month
where period = (select max(period) from national_month)
"""

NOT_ACCEPTED = """
select s.kreis_ags, j.name, j.land, s.status, s.timeliness
from submission_status as s
inner join dim_jobcenter as j on s.kreis_ags = j.kreis_ags
where s.period = :period and s.status in ('missing', 'rejected', 'correction_rejected')
order by s.kreis_ags
"""


def inspect_snapshot(engine: sa.Engine) -> dict:
    """Tables and their columns (name, type) as a BI tool's schema browser sees them."""
    inspector = sa.inspect(engine)
    tables = sorted(inspector.get_table_names())
    columns = {t: [[c["name"], str(c["type"])] for c in inspector.get_columns(t)] for t in tables}
    return {"tables": tables, "columns": columns}


def try_write(engine: sa.Engine) -> str | None:
    """The error of a write through the read-only engine, or None if the write went through."""
    try:
        with engine.begin() as con:
            con.execute(sa.text("create table bi_scratch as select 1 as x"))
    except Exception as exc:  # any refusal counts; the test reads the message
        return str(exc).splitlines()[0]
    return None


def main(snapshot: str, period: str) -> dict:
    engine = sa.create_engine(f"duckdb:///{snapshot}", connect_args={"read_only": True})
    try:
        result = {
            "versions": {p: version(p) for p in ("sqlalchemy", "duckdb-engine", "duckdb")},
            **inspect_snapshot(engine),
        }
        with engine.connect() as con:
            national = pd.read_sql(sa.text(NATIONAL_LATEST), con)
            not_accepted = pd.read_sql(sa.text(NOT_ACCEPTED), con, params={"period": period})
        result["national_latest"] = json.loads(national.to_json(orient="records"))
        result["not_accepted"] = json.loads(not_accepted.to_json(orient="records"))
        result["write_error"] = try_write(engine)
    finally:
        engine.dispose()
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
