"""Code lists shared by several record types (DOMAIN.md gives their meaning)."""

from __future__ import annotations

from safeguarding.contract.model import Field

SEX_CODES = ("M", "F", "X", "U")  # male, female, other, not known
# The police "18+1" self-defined ethnicity codes (2011 census categories) plus NS, not stated.
ETHNICITY_CODES = (
    "W1", "W2", "W3", "W9", "M1", "M2", "M3", "M9", "A1", "A2", "A3", "A4", "A9",
    "B1", "B2", "B9", "O1", "O9", "NS",
)  # fmt: skip
SOURCE_SYSTEMS = ("niche", "compact", "custody", "ppn", "intel", "cc", "visor", "online")
RISK_GRADES = ("very_low", "low", "medium", "high")  # APP missing persons risk continuum
MISSING_FROM_TYPES = ("home", "childrens_home", "foster_home", "school", "hospital", "other")
PLACE_TYPES = (
    "home", "childrens_home", "foster_home", "school", "hotel", "park", "takeaway", "station",
    "shop", "leisure", "custody_suite", "hospital", "other",
)  # fmt: skip
RECORD_KINDS = (
    "incidents", "crimes", "missing_episodes", "custody_detentions", "ppns", "intelligence_logs",
    "online_referrals",
)  # fmt: skip
ROLES = (
    "victim", "suspect", "offender", "missing_person", "reporting_person", "witness", "detainee",
    "subject", "associate", "household_member",
)  # fmt: skip
THRIVE_GRADES = ("emergency", "priority", "scheduled", "resolution_without_deployment")
INCIDENT_CATEGORIES = (
    "domestic_abuse", "missing", "concern_for_welfare", "assault", "sexual_offence", "drugs",
    "anti_social_behaviour", "exploitation", "online", "theft", "other",
)  # fmt: skip
OFFENCE_GROUPS = (
    "sexual", "violence", "drugs_supply", "drugs_possession", "exploitation", "domestic_abuse",
    "online_sexual", "weapons", "theft", "other",
)  # fmt: skip
CRIME_OUTCOMES = (
    "under_investigation",
    "charged",
    "cautioned",
    "no_further_action",
    "evidential_difficulties",
    "other",
)
PPN_GRADES = ("red", "amber", "green")
PPN_CONCERNS = (
    "domestic_abuse",
    "child_concern",
    "missing",
    "exploitation",
    "online",
    "mental_health",
    "other",
)
SOURCE_EVALUATIONS = ("1", "2", "3")  # 3x5x2: reliable, untested, not reliable
INTELLIGENCE_ASSESSMENTS = ("A", "B", "C", "D", "E")
HANDLING_CODES = ("P", "C")
ONLINE_PRIORITIES = ("low", "medium", "high", "very_high")
AA_TYPES = ("parent", "guardian", "social_worker", "volunteer", "other")
DISPOSALS = ("custody", "community", "caution", "other")
ARMS_PRIORITIES = ("low", "medium", "high", "very_high")
VISIT_OUTCOMES = ("completed", "no_access", "cancelled")
OFFENDER_STATUSES = ("active", "in_custody", "ended", "wanted")


def source_system() -> Field:
    return Field("source_system", "code", "The system that exported the record.", required=True, codes=SOURCE_SYSTEMS)


def timestamp(name: str, description: str, required: bool = False) -> Field:
    return Field(name, "timestamp", description, required=required)


def ref(name: str, description: str, required: bool = False) -> Field:
    return Field(name, "string", description, required=required)


def flag(name: str, description: str) -> Field:
    return Field(name, "boolean", description)


def text(name: str, description: str, personal: bool = True) -> Field:
    return Field(name, "string", description, personal=personal)


def after(later: str, earlier: str, message: str) -> tuple[str, str, str, str]:
    """Arguments for a Check that ``later`` is not before ``earlier``."""
    return (f"{later}_after_{earlier}", later, f"{later} >= {earlier}", message)
