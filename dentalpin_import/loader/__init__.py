"""The import engine: typed records in, clinic rows out.

`runner.Runner` is the entry point: it walks the types in import order, hands
each chunk to `chunks` (map, fit, insert, record mappings and warnings), stages
`_files` (`source_files`), then reconciles (`reconcile`, `derived`). The job
lifecycle around a run (locks, status, reports) lives in `dentalpin_import.jobs`.
"""
