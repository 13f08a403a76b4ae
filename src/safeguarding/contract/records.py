"""The record types of the data contract, defined once; docs/data-contract.md is generated from here.

Names follow DOMAIN.md "Records the force exports". Every record carries the source system that
exported it; a person mention is identified by (source_system, person_ref). Timestamps are ISO 8601
with their UTC offset; dates are normalised to ISO at ingest.
"""

from __future__ import annotations

from safeguarding.contract.events import (
    CRIMES,
    CUSTODY_DETENTIONS,
    INCIDENTS,
    INTELLIGENCE_LOGS,
    MISSING_EPISODES,
    PPNS,
)  # fmt: skip
from safeguarding.contract.model import RecordType
from safeguarding.contract.offenders import OFFENDER_ASSESSMENTS, OFFENDER_VISITS, OFFENDERS, ONLINE_REFERRALS
from safeguarding.contract.people import LOCATIONS, PERSONS, RECORD_PERSONS

RECORD_TYPES: dict[str, RecordType] = {
    rt.name: rt
    for rt in (
        PERSONS, LOCATIONS, RECORD_PERSONS, INCIDENTS, CRIMES, MISSING_EPISODES, CUSTODY_DETENTIONS, PPNS,
        INTELLIGENCE_LOGS, ONLINE_REFERRALS, OFFENDERS, OFFENDER_ASSESSMENTS, OFFENDER_VISITS,
    )
}  # fmt: skip


def record_type(name: str) -> RecordType:
    """The record type called ``name``; KeyError if the contract has none."""
    return RECORD_TYPES[name]
