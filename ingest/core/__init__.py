"""core: what every stage shares, and nothing that belongs to one stage.

Owns the settings (project paths, limits, names), the layout of the data directory
(:mod:`~ingest.core.layout`, the one owner of paths, built from the checked keys of
:mod:`~ingest.core.keys`), months and the reporting calendar (:mod:`~ingest.core.periods`),
the registry of jobcenters, submission contract v1 and its bounds, the rule list read from
``expectations/``, findings, exceptions, atomic file writes and German formats.

May import: the standard library and light libraries (PyYAML). Nothing else of the product.
"""
