"""ingest: the product package of the national warehouse of the kommunale Jobcenter.

One sub-package per stage, each importing only the ones below it (import-linter holds it to
that, see ``[tool.importlinter]`` in pyproject.toml)::

    cli                      jcw, the operator's command line
    report      status       the national report | reconciliation and the daily monitor
    warehouse                dbt build, publish, the read-only snapshot
    validate                 parse, Great Expectations, verdicts, validation pages
    notify      collect      mail (outbox, texts, failure callback) | HTTP, landing, events
    core                     settings, data layout, months, registry, contract, rules

The DAGs in ``dags/`` are thin wiring over these functions and import them inside task
bodies only; heavy libraries (pandas, pyarrow, duckdb, great_expectations, dbt, airflow) are
imported inside the functions that need them.
"""
