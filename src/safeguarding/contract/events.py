"""Record types about events: incidents, crimes, missing episodes, custody, PPNs, intelligence."""

from __future__ import annotations

from safeguarding.contract.codes import (
    AA_TYPES,
    CRIME_OUTCOMES,
    HANDLING_CODES,
    INCIDENT_CATEGORIES,
    INTELLIGENCE_ASSESSMENTS,
    MISSING_FROM_TYPES,
    OFFENCE_GROUPS,
    PPN_CONCERNS,
    PPN_GRADES,
    RISK_GRADES,
    SOURCE_EVALUATIONS,
    THRIVE_GRADES,
    after,
    flag,
    ref,
    source_system,
    text,
    timestamp,
)  # fmt: skip
from safeguarding.contract.model import Check, Field, RecordType

INCIDENTS = RecordType(
    name="incidents",
    description="Command-and-control incidents: calls for service with the THRIVE grade and a narrative. "
    "People on an incident are in `record_persons`.",
    key=("source_system", "incident_ref"),
    fields=(
        source_system(),
        ref("incident_ref", "The incident's reference.", required=True),
        timestamp("occurred_at", "When it happened (or began).", required=True),
        timestamp("reported_at", "When it was reported."),
        ref("location_ref", "Where, in `locations`."),
        text("postcode", "Postcode of the location."),
        Field("category", "code", "Opening category.", codes=INCIDENT_CATEGORIES),
        Field("thrive_grade", "code", "Response grade from the THRIVE assessment.", codes=THRIVE_GRADES),
        flag("attended", "Whether officers attended."),
        flag("child_present", "Whether a child was present or lives at the address."),
        text("vehicle_registrations", "Vehicle registrations mentioned, separated by '|'."),
        text("narrative", "Free text of the log."),
        text("officer", "Attending officer's collar number.", personal=False),
    ),
    checks=(Check(*after("reported_at", "occurred_at", "reported before it happened")),),
)

CRIMES = RecordType(
    name="crimes",
    description="Recorded crimes with their offence and outcome. Victims and suspects are in `record_persons`.",
    key=("source_system", "crime_ref"),
    fields=(
        source_system(),
        ref("crime_ref", "The crime's reference.", required=True),
        ref("incident_ref", "The incident it came from, if any."),
        text("offence", "Offence description (Home Office classification).", personal=False),
        Field("offence_group", "code", "Offence group.", required=True, codes=OFFENCE_GROUPS),
        timestamp("committed_at", "When it was committed."),
        timestamp("recorded_at", "When it was recorded.", required=True),
        ref("location_ref", "Where, in `locations`."),
        flag("domestic", "Flagged as domestic abuse."),
        Field("outcome", "code", "Outcome so far.", codes=CRIME_OUTCOMES),
        text("narrative", "Modus operandi / summary."),
    ),
    checks=(Check(*after("recorded_at", "committed_at", "recorded before it was committed")),),
)

MISSING_EPISODES = RecordType(
    name="missing_episodes",
    description="A report of a missing person, from report to return (APP missing persons).",
    key=("source_system", "episode_ref"),
    fields=(
        source_system(),
        ref("episode_ref", "The episode's reference.", required=True),
        ref("person_ref", "The missing person's mention in `persons` (same source system).", required=True),
        timestamp("reported_at", "When the person was reported missing.", required=True),
        timestamp("last_seen_at", "When the person was last seen."),
        Field("risk_grade", "code", "Risk grade on the APP continuum.", codes=RISK_GRADES),
        text("graded_by", "Officer who graded the risk.", personal=False),
        timestamp("graded_at", "When the risk was graded."),
        text("ratified_by", "Supervisor who confirmed the grade.", personal=False),
        timestamp("ratified_at", "When a supervisor confirmed the grade."),
        text("missing_from", "Where the person went missing from (text)."),
        ref("missing_from_ref", "Where the person went missing from, in `locations`."),
        Field("missing_from_type", "code", "Kind of place missing from.", codes=MISSING_FROM_TYPES),
        timestamp("found_at", "When the person was found and their wellbeing confirmed."),
        text("found_location", "Where the person was found."),
        ref("found_location_ref", "Where found, in `locations`."),
        text("found_postcode", "Postcode where found, if known."),
        flag("rhi_offered", "Whether a return home interview was offered."),
        timestamp("rhi_done_at", "When the return home interview took place."),
        text("rhi_declined_reason", "Why no return home interview was held."),
        text("narrative", "Free text of the report."),
    ),
    checks=(
        Check(*after("found_at", "reported_at", "found before reported missing")),
        Check(*after("ratified_at", "graded_at", "grade ratified before it was made")),
        Check(*after("rhi_done_at", "found_at", "return home interview before found")),
    ),
)

CUSTODY_DETENTIONS = RecordType(
    name="custody_detentions",
    description="A detention in police custody (PACE Code C; Concordat on Children in Custody). "
    "`review_times` lists the detention reviews, separated by '|'.",
    key=("source_system", "custody_ref"),
    fields=(
        source_system(),
        ref("custody_ref", "The custody record's reference.", required=True),
        ref("person_ref", "The detainee's mention in `persons`.", required=True),
        ref("location_ref", "The custody suite, in `locations`."),
        timestamp("arrived_at", "Arrival at the custody suite.", required=True),
        flag("appears_under_18", "Whether the detainee appears to be under 18."),
        timestamp("juvenile_identified_at", "When the custody officer identified a juvenile."),
        timestamp("responsible_person_informed_at", "When the person responsible for welfare was told."),
        timestamp("aa_requested_at", "When an appropriate adult was asked to attend."),
        timestamp("aa_arrived_at", "When the appropriate adult arrived."),
        Field("aa_type", "code", "Who acted as appropriate adult.", codes=AA_TYPES),
        text("woman_responsible", "Named woman responsible for a girl under 18.", personal=False),
        text("offence", "Offence for which detained.", personal=False),
        timestamp(
            "detention_authorised_at",
            "When the custody officer authorised detention (reviews run from it; arrival if blank).",
        ),
        text(
            "review_times",
            "Detention review times (ISO 8601, '|' separated); a postponed review is written "
            "'<time> postponed: <reason>' (PACE s.40(4)).",
            personal=False,
        ),
        timestamp("extension_authorised_at", "When a superintendent extended detention to 36 hours (PACE s.42)."),
        timestamp("warrant_expires_at", "When a magistrates' warrant of further detention ends (PACE s.43-44)."),
        timestamp("charged_at", "When charged."),
        flag("bail_refused", "Whether bail was refused after charge."),
        timestamp("transfer_requested_at", "When local-authority accommodation was requested (PACE s.38(6))."),
        timestamp("transferred_at", "When the child was transferred."),
        text("transfer_certificate_reason", "Why transfer was certified impracticable, if it was."),
        timestamp("released_at", "When the detainee left custody."),
    ),
    checks=(
        Check(*after("aa_arrived_at", "aa_requested_at", "appropriate adult arrived before being requested")),
        Check(*after("aa_requested_at", "arrived_at", "appropriate adult requested before arrival")),
        Check(*after("released_at", "arrived_at", "released before arrival")),
        Check(*after("transferred_at", "charged_at", "transferred before charge")),
    ),
)

PPNS = RecordType(
    name="ppns",
    description="Public Protection Notices: a safeguarding concern an officer identified, graded and shared.",
    key=("source_system", "ppn_ref"),
    fields=(
        source_system(),
        ref("ppn_ref", "The PPN's reference.", required=True),
        ref("incident_ref", "The incident it came from, if any."),
        ref("subject_person_ref", "The person the concern is about, in `persons`.", required=True),
        timestamp("incident_at", "When the incident happened."),
        timestamp("submitted_at", "When the PPN was submitted.", required=True),
        Field("grade", "code", "Risk grade.", required=True, codes=PPN_GRADES),
        Field("concern_type", "code", "Kind of concern.", codes=PPN_CONCERNS),
        text("concern", "The concern described."),
        text("child_voice", "What the child said and how they presented (the voice of the child)."),
        text("child_location", "Where the child is now."),
        text("household_members", "Household members with dates of birth."),
        text("parental_responsibility", "Who has parental responsibility."),
        text("risk_reason", "Reason for the risk grade."),
        text("communication_needs", "Communication needs."),
        text("other_agencies", "Other agencies involved."),
        text("parents_aware", "Whether parents know of the PPN."),
        timestamp("shared_with_csc_at", "When shared with children's social care."),
        timestamp("school_notified_at", "When the child's school was notified (Operation Encompass)."),
        text("officer", "Submitting officer's collar number.", personal=False),
    ),
    checks=(Check(*after("submitted_at", "incident_at", "submitted before the incident")),),
)

INTELLIGENCE_LOGS = RecordType(
    name="intelligence_logs",
    description="Intelligence logs graded 3x5x2. Partners never see them. Subjects are in `record_persons`.",
    key=("source_system", "intel_ref"),
    fields=(
        source_system(),
        ref("intel_ref", "The log's reference.", required=True),
        timestamp("recorded_at", "When recorded.", required=True),
        Field("source_evaluation", "code", "1 reliable, 2 untested, 3 not reliable.", required=True,
              codes=SOURCE_EVALUATIONS),
        Field("intelligence_assessment", "code", "A to E.", required=True, codes=INTELLIGENCE_ASSESSMENTS),
        Field("handling_code", "code", "P or C (conditions recorded).", required=True, codes=HANDLING_CODES),
        text("handling_conditions", "Conditions on dissemination (handling code C).", personal=False),
        ref("location_ref", "A place the intelligence is about, in `locations`."),
        text("phones", "Phone numbers mentioned, separated by '|'."),
        text("vehicle_registrations", "Vehicle registrations mentioned, separated by '|'."),
        text("text", "The intelligence text."),
    ),
    checks=(
        Check(
            "conditions_for_c", "handling_conditions",
            "NOT (handling_code = 'C' AND handling_conditions IS NULL)",
            "handling code C needs its conditions recorded",
        ),
    ),
)  # fmt: skip
