"""Record types about suspects and offenders: online referrals, RSOs, ARMS assessments and visits."""

from __future__ import annotations

from safeguarding.contract.codes import (
    ARMS_PRIORITIES,
    DISPOSALS,
    OFFENDER_STATUSES,
    ONLINE_PRIORITIES,
    VISIT_OUTCOMES,
    after,
    flag,
    ref,
    source_system,
    text,
    timestamp,
)  # fmt: skip
from safeguarding.contract.model import Check, Field, RecordType

ONLINE_REFERRALS = RecordType(
    name="online_referrals",
    description="Online child sexual abuse referrals (for example from the NCA) with the structured answers "
    "of the KIRAT-style prioritisation: previous behaviour, access to children, current facilitators, "
    "other factors.",
    key=("source_system", "referral_ref"),
    fields=(
        source_system(),
        ref("referral_ref", "The referral's reference.", required=True),
        text("referrer", "Who referred it (e.g. NCA).", personal=False),
        timestamp("received_at", "When the referral was received.", required=True),
        ref("suspect_person_ref", "The suspect's mention in `persons`."),
        flag("previous_sexual_conviction", "Previous conviction for a sexual offence."),
        flag("previous_contact_offence", "Previous contact sexual offence."),
        flag("previous_sexual_allegation", "Previous sexual allegation without conviction."),
        Field("conviction_count", "integer", "Number of previous convictions."),
        flag("previous_prison", "Has been in prison."),
        flag("access_own_children", "Access to own children."),
        flag("access_partner_children", "Access to a partner's children."),
        flag("access_friends_children", "Access to friends' children."),
        flag("access_neighbours_children", "Access to neighbours' children."),
        flag("access_through_work", "Access to children through work or volunteering."),
        flag("facilitator_grooming", "Current grooming."),
        flag("facilitator_incitement", "Current incitement."),
        flag("facilitator_producing_images", "Producing indecent images."),
        flag("facilitator_sexual_communication", "Sexual communication with a child."),
        flag("other_convictions", "Other (non-sexual) convictions."),
        flag("other_domestic_abuse", "Domestic abuse history."),
        flag("other_substance_misuse", "Substance misuse."),
        Field("recorded_priority", "code", "The priority the force recorded.", codes=ONLINE_PRIORITIES),
        timestamp("graded_at", "When the priority was recorded."),
        timestamp("enforcement_at", "When enforcement action (e.g. a warrant) took place."),
        text("officer", "Investigating officer's collar number.", personal=False),
    ),
    checks=(
        Check(*after("enforcement_at", "received_at", "enforcement before the referral was received")),
        Check(
            "conviction_count_positive",
            "conviction_count",
            "conviction_count >= 0",
            "negative conviction count",
        ),
    ),
)

OFFENDERS = RecordType(
    name="offenders",
    description="Registered sex offenders (ViSOR-style), with the facts that set the notification period "
    "(Sexual Offences Act 2003 s.82).",
    key=("source_system", "offender_ref"),
    fields=(
        source_system(),
        ref("offender_ref", "The offender's reference.", required=True),
        ref("person_ref", "The offender's mention in `persons`.", required=True),
        Field("conviction_date", "date", "Date of the conviction or caution that led to registration."),
        Field("sentence_months", "integer", "Custodial sentence in months, if any."),
        Field("disposal", "code", "Kind of disposal.", codes=DISPOSALS),
        flag("under_18_at_conviction", "Under 18 when convicted (fixed periods are halved)."),
        Field("registered_on", "date", "Date first registered.", required=True),
        text("offender_manager", "Offender manager's collar number.", personal=False),
        timestamp("last_notified_at", "Last notification (annual re-notification)."),
        Field("status", "code", "Current status.", codes=OFFENDER_STATUSES),
        ref("address_ref", "Notified home address, in `locations`."),
    ),
    checks=(
        Check(*after("registered_on", "conviction_date", "registered before conviction")),
        Check("sentence_positive", "sentence_months", "sentence_months >= 0", "negative sentence length"),
    ),
)

OFFENDER_ASSESSMENTS = RecordType(
    name="offender_assessments",
    description="ARMS assessments: done by trained assessors; the portal records the outcome and plans the next.",
    key=("source_system", "assessment_ref"),
    fields=(
        source_system(),
        ref("assessment_ref", "The assessment's reference.", required=True),
        ref("offender_ref", "The offender, in `offenders`.", required=True),
        Field("assessed_on", "date", "Date of the assessment.", required=True),
        Field(
            "priority",
            "code",
            "Priority for work from the ARMS assessment.",
            required=True,
            codes=ARMS_PRIORITIES,
        ),
        Field("next_due_on", "date", "When the next assessment is due."),
        text("assessor", "Assessor's collar number.", personal=False),
    ),
    checks=(Check(*after("next_due_on", "assessed_on", "next assessment due before this one")),),
)

OFFENDER_VISITS = RecordType(
    name="offender_visits",
    description="Home visits to registered sex offenders, planned and done.",
    key=("source_system", "visit_ref"),
    fields=(
        source_system(),
        ref("visit_ref", "The visit's reference.", required=True),
        ref("offender_ref", "The offender, in `offenders`.", required=True),
        Field("planned_on", "date", "When the visit was planned for.", required=True),
        timestamp("visited_at", "When the visit happened."),
        Field("outcome", "code", "Outcome of the visit.", codes=VISIT_OUTCOMES),
        text("officer", "Visiting officer's collar number.", personal=False),
        text("notes", "Notes of the visit (who else was there, children seen)."),
    ),
)
