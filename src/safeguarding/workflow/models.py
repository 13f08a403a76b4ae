"""App-database tables for the work people do on the portal: assignments, reviews, challenges,
reasons for access and shares with partner agencies. Rows are only ever added (or marked revoked),
so each table is also a history of who did what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.db import Base
from safeguarding.security.models import UTCDateTime, utcnow


class AlertAssignment(Base):
    """Who an alert is assigned to; a re-assignment adds a row, and the newest row is in force."""

    __tablename__ = "alert_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(200), index=True)
    person_id: Mapped[str] = mapped_column(String(200), index=True)
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertReview(Base):
    """A person's decision on an alert, with their written reason."""

    __tablename__ = "alert_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(200), index=True)
    person_id: Mapped[str] = mapped_column(String(200), index=True)
    decision: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorChallenge(Base):
    """Someone's statement that an indicator about a person is wrong, and why (shown beside it)."""

    __tablename__ = "indicator_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), index=True)
    indicator_id: Mapped[str] = mapped_column(String(200))
    rule_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    challenged_by: Mapped[str] = mapped_column(String(64))
    challenged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessReason(Base):
    """Why someone opened a child's record that was not in their queue (DPA 2018 s.62 justification)."""

    __tablename__ = "access_reasons"
    __table_args__ = (Index("ix_access_reasons_user_person", "username", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseShare(Base):
    """A child's case shared with a partner agency (a disclosure: who, to whom, why)."""

    __tablename__ = "case_shares"
    __table_args__ = (
        Index("ix_case_shares_agency_person", "agency", "person_id"),
        Index("ix_case_shares_person", "person_id"),  # a child's page lists the shares of that child
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    shared_by: Mapped[str] = mapped_column(String(64))
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A share of one record only (e.g. record_type 'ppns', record_ref the PPN): the partner sees that record
    # and nothing else of the case. Both empty: the whole case.
    record_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    record_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A share made for a scrutiny panel is for one named partner member, and only for the panel's period.
    panel_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
