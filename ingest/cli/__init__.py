"""cli: ``jcw``, the operator's one command line (:mod:`~ingest.cli.main`).

Owns the argument parser, the subcommands (:mod:`~ingest.cli.commands`), what they print
(:mod:`~ingest.cli.output`) and the deployment steps of the image and docker-compose.yml
(:mod:`~ingest.cli.deploy`). Stage modules are imported inside the commands, so ``jcw
--help`` starts fast.

May import: every package of :mod:`ingest`.
"""
