"""App-database tables for the operational boards (issue #8): what people record on a board that the
force's exports do not hold. Rows are only added; the newest row of a kind is the one in force, so each
table is also the history of who recorded what and when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.db import Base
from safeguarding.security.models import UTCDateTime, utcnow


class MissingAction(Base):
    """Something recorded about a missing child: a return home interview done or declined (with the reason),
    a ratification note, or a multi-agency plan in place for a repeat-missing child (episode_ref empty)."""

    __tablename__ = "missing_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), index=True)
    episode_ref: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    happened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhilomenaProfile(Base):
    """A Philomena Protocol profile: what carers prepare in advance about a child at risk of going missing."""

    __tablename__ = "philomena_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), index=True)
    photo_reference: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    associates: Mapped[str] = mapped_column(Text, default="")
    places: Mapped[str] = mapped_column(Text, default="")
    phones: Mapped[str] = mapped_column(Text, default="")
    social_media: Mapped[str] = mapped_column(Text, default="")
    other_information: Mapped[str] = mapped_column(Text, default="")
    carer: Mapped[str] = mapped_column(String(200), default="")
    # The photograph uploaded on the portal (kept under <data_dir>/photos/ by a random name), if any.
    photo_stored_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    photo_media_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OnlineGrading(Base):
    """A KIRAT-style questionnaire filled in on the portal: a new referral, or a re-grade of one."""

    __tablename__ = "online_gradings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_ref: Mapped[str] = mapped_column(String(200), index=True)
    referrer: Mapped[str] = mapped_column(String(100), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answers: Mapped[str] = mapped_column(Text)  # JSON object answer -> true/false
    priority: Mapped[str] = mapped_column(String(20))
    # The grade before this one (an earlier portal grading, or the force's data); None for a first grade.
    previous_priority: Mapped[str | None] = mapped_column(String(20), nullable=True)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    graded_by: Mapped[str] = mapped_column(String(64))
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OnlineOutcome(Base):
    """The outcome of an online referral: the enforcement action taken (or why none), and when."""

    __tablename__ = "online_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_ref: Mapped[str] = mapped_column(String(200), index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text)
    actioned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisitPlan(Base):
    """A home visit planned for a registered sex offender on the portal (beside those in ViSOR)."""

    __tablename__ = "offender_visit_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offender_ref: Mapped[str] = mapped_column(String(200), index=True)
    planned_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    planned_by: Mapped[str] = mapped_column(String(64))
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
