"""harness: what the demo, the benchmarks and the end-to-end tests share to run the product.

Not part of the product: it starts things around it, on loopback. The local Airflow stack
and its environment (:mod:`~harness.airflow`), the REST API client (:mod:`~harness.api`),
the simulator and SMTP sink processes (:mod:`~harness.world`, :mod:`~harness.simulator`),
free ports (:mod:`~harness.ports`), process groups (:mod:`~harness.processes`), PostgreSQL
and Redis from Debian packages (:mod:`~harness.services`), ``make airflow``
(:mod:`~harness.launcher`) and ``make demo`` (:mod:`~harness.demo`). ``scripts/`` holds
their thin entry points.

May import: :mod:`ingest` (its public functions, like any user) and the standard library.
Never imported by :mod:`ingest` or :mod:`simulator`.
"""
