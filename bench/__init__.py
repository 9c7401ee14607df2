"""auditql's benchmarks: each measurement side by side with a baseline taken in the same run (hand-written
DuckDB, plain CREATE TABLE AS, peers), printed as medians, ratios, targets and verdicts.

Run `python -m bench --help`; results and the exact commands go to docs/performance.md.
"""
