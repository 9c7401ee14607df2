"""Ingest's machinery run to show, not to keep: `auditql inspect` (what a file would become) and a mapping's
samples checked by a real ingest into a scratch archive."""
