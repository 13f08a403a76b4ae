"""Record types about people and places: persons (nominal records), locations, record_persons."""

from __future__ import annotations

from safeguarding.contract.codes import (
    ETHNICITY_CODES,
    PLACE_TYPES,
    RECORD_KINDS,
    ROLES,
    SEX_CODES,
    ref,
    source_system,
    text,
    timestamp,
)  # fmt: skip
from safeguarding.contract.model import Check, Field, RecordType

PERSONS = RecordType(
    name="persons",
    description="Nominal records: one row per person per source system, as that system recorded them. "
    "A row is a person mention, identified by (source_system, person_ref).",
    key=("source_system", "person_ref"),
    fields=(
        source_system(),
        ref("person_ref", "The person's reference in the source system.", required=True),
        text("forenames", "Forenames as recorded."),
        Field("surname", "string", "Surname as recorded.", required=True, personal=True),
        text("aliases", "Other names, separated by '|'."),
        Field("date_of_birth", "date", "Date of birth.", personal=True),
        Field("sex", "code", "Sex as recorded.", codes=SEX_CODES),
        Field("ethnicity", "code", "Self-defined ethnicity (18+1 code).", codes=ETHNICITY_CODES),
        ref("address_ref", "Reference of the home address in `locations`."),
        text("postcode", "Postcode of the home address as recorded."),
        text("phone", "Phone number."),
        text("email", "Email address."),
        text("pnc_id", "Police National Computer id, where known."),
        timestamp("recorded_at", "When the source system created or last changed the record."),
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

LOCATIONS = RecordType(
    name="locations",
    description="Addresses and places: homes, children's homes, schools, hotels, parks, takeaways, stations.",
    key=("source_system", "location_ref"),
    fields=(
        source_system(),
        ref("location_ref", "The address or place reference.", required=True),
        text("address_text", "The address as written."),
        text("place_name", "Name of the place (for a business, school or home).", personal=False),
        text("postcode", "Postcode."),
        Field("latitude", "decimal", "Latitude (WGS84)."),
        Field("longitude", "decimal", "Longitude (WGS84)."),
        Field("place_type", "code", "Kind of place.", codes=PLACE_TYPES),
        timestamp("recorded_at", "When the record was created or last changed."),
    ),
    checks=(
        Check("latitude_range", "latitude", "latitude BETWEEN 49 AND 61", "latitude is outside Great Britain"),
        Check("longitude_range", "longitude", "longitude BETWEEN -9 AND 3", "longitude is outside Great Britain"),
    ),
)

RECORD_PERSONS = RecordType(
    name="record_persons",
    description="Which person mentions appear on which record, in which role (one row each).",
    key=("source_system", "record_type", "record_ref", "person_ref", "role"),
    fields=(
        source_system(),
        Field("record_type", "code", "The kind of record.", required=True, codes=RECORD_KINDS),
        ref("record_ref", "The record's reference.", required=True),
        ref("person_ref", "The person mention (same source system).", required=True),
        Field("role", "code", "The person's role on the record.", required=True, codes=ROLES),
        timestamp("recorded_at", "When the link was recorded."),
    ),
)
