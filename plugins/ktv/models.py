"""KTV tables (prefixed ``ktv_``) on the core metadata.

Bookings, meetings, leave and passes are core's (issue 12); the line keeps only what core does
not: KTV-3 knowledge checks, KTV-11 performance credits (one per honoured booking, by the
booking's business month) and KTV-7/8/9 conduct records (what was found, the ledger entry,
dismissal and police referral).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, synonym

from core.plugin_api import Base, UTCDateTime


class KnowledgeCheck(Base):
    """KTV-3: a new staff member's knowledge check, due within 3 business days of joining."""

    __tablename__ = "ktv_knowledge_checks"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    joined_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    passed_on: Mapped[date | None] = mapped_column(Date)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # KTV-3: the checks not passed yet, by due day (the overdue list, ktvOverdueKnowledgeChecks,
    # and the daily reminder): a partial index, the passed checks of every former hire left
    # out (ktv0003, issue 13).
    __table_args__ = (
        Index(
            "ix_ktv_knowledge_checks_site_pending",
            "site_id",
            "due_on",
            "staff_id",
            postgresql_where=text("passed_on IS NULL"),
            sqlite_where=text("passed_on IS NULL"),
        ),
    )

    # A check per staff member: its key is the staff id (pages and node ids read ``id``).
    id = synonym("staff_id")


class BookingCredit(Base):
    """KTV-11: an honoured booking credits its booker's performance for the business month."""

    __tablename__ = "ktv_booking_credits"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    business_date: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    credited_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_ktv_booking_credits_staff_month", "staff_id", "month"),)


class ConductRecord(Base):
    """KTV-7/8/9: a finding on a staff member's conduct with what it caused."""

    __tablename__ = "ktv_conduct_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    conduct: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(16))
    business_date: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    penalty_id: Mapped[int | None] = mapped_column(ForeignKey("penalties.id"))
    dismissal: Mapped[bool] = mapped_column(Boolean, default=False)
    police_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    cancels_credits: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_ktv_conduct_records_staff_month", "staff_id", "month"),)


class RollFine(Base):
    """KTV-2 / KTV-10: the ledger entry fining a decided line of the pre-shift roll, written
    in the roll call's transaction (``frontdesk_roll_call_decided``)."""

    __tablename__ = "ktv_roll_fines"

    entry_id: Mapped[int] = mapped_column(ForeignKey("roll_call_entries.id"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    penalty_id: Mapped[int] = mapped_column(ForeignKey("penalties.id"))

    __table_args__ = (Index("ix_ktv_roll_fines_meeting", "meeting_id"),)
