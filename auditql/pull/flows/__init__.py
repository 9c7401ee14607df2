"""One module per vendor: its documented request sequence, as small as it can be.

Each module declares `SETTINGS` (name -> default; "" means required, None optional), `SECRETS` (names whose
values come from environment variables), `OPTIONS` (numbers), `describe(job)` (the first request, for --dry-run)
and `run(job)`, which lands every response holding audit records through `job.land` and skips what
`job.landed` already holds, so a restarted run asks the vendor only for what is missing."""

from __future__ import annotations

from types import ModuleType

from auditql.pull.flows import adobe_cja, broadcom_portal, resolver, sap_cdc, sas_ci360

FLOWS: dict[str, ModuleType] = {
    "sas_ci360": sas_ci360,
    "resolver": resolver,
    "sap_cdc": sap_cdc,
    "adobe_cja": adobe_cja,
    "broadcom_portal": broadcom_portal,
}
