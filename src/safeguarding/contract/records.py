"""The record types of the data contract, defined once; docs/data-contract.md is generated from here.

Names follow DOMAIN.md "Records the force exports". Every record carries the source system that
exported it; a person mention is identified by (source_system, person_ref).
"""

from __future__ import annotations

from safeguarding.contract.model import Check, Field, RecordType

SEX_CODES = ("M", "F", "X", "U")  # male, female, other, not known
# The police "18+1" self-defined ethnicity codes (2011 census categories) plus NS, not stated.
ETHNICITY_CODES = (
    "W1", "W2", "W3", "W9", "M1", "M2", "M3", "M9", "A1", "A2", "A3", "A4", "A9",
    "B1", "B2", "B9", "O1", "O9", "NS",
)  # fmt: skip
RISK_GRADES = ("very_low", "low", "medium", "high")  # APP missing persons risk continuum
MISSING_FROM_TYPES = ("home", "childrens_home", "foster_home", "school", "hospital", "other")

SOURCE_SYSTEM = Field(
    "source_system", "code", "The system that exported the record.", required=True,
    codes=("niche", "compact", "custody", "ppn", "intel", "cc", "visor", "online"),
)  # fmt: skip

PERSONS = RecordType(
    name="persons",
    description="Nominal records: one row per person per source system, as that system recorded them.",
    key=("source_system", "person_ref"),
    fields=(
        SOURCE_SYSTEM,
        Field("person_ref", "string", "The person's reference in the source system.", required=True),
        Field("forenames", "string", "Forenames as recorded.", personal=True),
        Field("surname", "string", "Surname as recorded.", required=True, personal=True),
        Field("aliases", "string", "Other names, separated by '|'.", personal=True),
        Field("date_of_birth", "date", "Date of birth.", personal=True),
        Field("sex", "code", "Sex as recorded.", codes=SEX_CODES),
        Field("ethnicity", "code", "Self-defined ethnicity (18+1 code).", codes=ETHNICITY_CODES),
        Field("address_ref", "string", "Reference of the home address in `locations`."),
        Field("postcode", "string", "Postcode of the home address as recorded.", personal=True),
        Field("phone", "string", "Phone number.", personal=True),
        Field("email", "string", "Email address.", personal=True),
        Field("pnc_id", "string", "Police National Computer id, where known.", personal=True),
        Field("recorded_at", "timestamp", "When the source system created or last changed the record."),
    ),
    checks=(
        Check(
            "dob_not_future",
            "date_of_birth",
            "date_of_birth <= current_date",
            "date of birth is in the future",
        ),
        Check(
            "age_plausible",
            "date_of_birth",
            "date_of_birth >= DATE '1900-01-01'",
            "date of birth is before 1900",
        ),
    ),
)

MISSING_EPISODES = RecordType(
    name="missing_episodes",
    description="A report of a missing person, from report to return (APP missing persons).",
    key=("source_system", "episode_ref"),
    fields=(
        SOURCE_SYSTEM,
        Field("episode_ref", "string", "The episode's reference.", required=True),
        Field(
            "person_ref",
            "string",
            "The missing person's mention in `persons` (same source system).",
            required=True,
        ),
        Field("reported_at", "timestamp", "When the person was reported missing.", required=True),
        Field("last_seen_at", "timestamp", "When the person was last seen."),
        Field("risk_grade", "code", "Risk grade on the APP continuum.", codes=RISK_GRADES),
        Field("graded_by", "string", "Officer who graded the risk."),
        Field("graded_at", "timestamp", "When the risk was graded."),
        Field("ratified_by", "string", "Supervisor who confirmed the grade."),
        Field("ratified_at", "timestamp", "When a supervisor confirmed the grade."),
        Field("missing_from", "string", "Where the person went missing from (address ref or text)."),
        Field("missing_from_type", "code", "Kind of place missing from.", codes=MISSING_FROM_TYPES),
        Field("found_at", "timestamp", "When the person was found and their wellbeing confirmed."),
        Field("found_location", "string", "Where the person was found."),
        Field("found_postcode", "string", "Postcode where found, if known."),
        Field("rhi_offered", "boolean", "Whether a return home interview was offered."),
        Field("rhi_done_at", "timestamp", "When the return home interview took place."),
        Field("rhi_declined_reason", "string", "Why no return home interview was held."),
        Field("narrative", "string", "Free text of the report.", personal=True),
    ),
    checks=(
        Check("found_after_reported", "found_at", "found_at >= reported_at", "found before reported missing"),
        Check(
            "ratified_after_graded",
            "ratified_at",
            "ratified_at >= graded_at",
            "grade ratified before it was made",
        ),
        Check(
            "rhi_after_found", "rhi_done_at", "rhi_done_at >= found_at", "return home interview before found"
        ),
    ),
)

RECORD_TYPES: dict[str, RecordType] = {rt.name: rt for rt in (PERSONS, MISSING_EPISODES)}


def record_type(name: str) -> RecordType:
    """The record type called ``name``; KeyError if the contract has none."""
    return RECORD_TYPES[name]
