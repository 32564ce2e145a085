"""Property tables (prefixed ``pm_``) on the core metadata: units and residents, the visitor
register (PM-1), repair orders (PM-8), complaint handling steps (PM-6) and revisits (PM-5),
survey opinions and paid special services (PM-5), incident reports (PM-2 / PM-4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.plugin_api import Base, UTCDateTime


class Unit(Base):
    """A unit of a property project: building and unit number (a flat, a shop, an office)."""

    __tablename__ = "pm_units"
    __table_args__ = (
        UniqueConstraint("site_id", "building", "number", name="uq_pm_units"),
        # propertyUnits: a project's units in the order they were added (pm0003, issue 13).
        Index("ix_pm_units_site_id_id", "site_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    building: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Resident(Base):
    """A household member or a company occupying a unit (private data masked per C-13)."""

    __tablename__ = "pm_residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("pm_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(32))
    company: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VisitorRegistration(Base):
    """PM-1: a resident's visitor, registered after the front desk contacted the resident."""

    __tablename__ = "pm_visitor_registrations"
    # propertyVisitors (newest first) and a day's visitors (pm0003, issue 13).
    __table_args__ = (
        Index("ix_pm_visitor_registrations_site_registered", "site_id", "registered_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("pm_units.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("pm_residents.id"))
    visitor_name: Mapped[str] = mapped_column(String(80))
    contact_method: Mapped[str] = mapped_column(String(32))
    resident_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    night_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")


class RepairOrder(Base):
    """PM-8: a repair order from appointment to the customer's signature and spot check."""

    __tablename__ = "pm_repair_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("pm_units.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("pm_residents.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    speciality: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    rescheduled_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    fee_quoted: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    fee_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    furniture_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fee_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    signed_by: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    spot_check_passed: Mapped[bool | None] = mapped_column(Boolean)
    spot_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HandlingStep(Base):
    """PM-6: one of the five clears and one report (listen, ask, follow, reply, record,
    report) on a core complaint, with who and when."""

    __tablename__ = "pm_handling_steps"
    __table_args__ = (UniqueConstraint("complaint_id", "step", name="uq_pm_handling_steps"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    customer_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class Revisit(Base):
    """PM-5: the revisit of a fixed complaint, signed by the customer, with satisfaction."""

    __tablename__ = "pm_revisits"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    revisited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signed_by: Mapped[str] = mapped_column(String(80))
    satisfaction: Mapped[str] = mapped_column(String(16))
    in_time: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")


class SurveyOpinion(Base):
    """PM-5: a customer's opinion from a satisfaction survey and its follow-up: delivered to the
    responsible department, the department's written measures, the rectification, the revisit
    signed by the customer — each with who and when, the deadlines stored for overdue lists."""

    __tablename__ = "pm_survey_opinions"
    # propertySurveyOpinions (newest first), a month's opinions, and the open ones alone: a
    # partial index whose predicate the queries write as ``NOT closed`` (pm0003, issue 13).
    __table_args__ = (
        Index("ix_pm_survey_opinions_site_collected", "site_id", "collected_at", "id"),
        Index(
            "ix_pm_survey_opinions_site_open",
            "site_id",
            "collected_at",
            "id",
            postgresql_where=text("NOT closed"),
            sqlite_where=text("closed = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("pm_residents.id"))
    customer_name: Mapped[str] = mapped_column(String(80))
    opinion: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(80))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    opinions_due: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    measures_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    measures_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    measures: Mapped[str | None] = mapped_column(Text)
    measures_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    revisit_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisited_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    signed_by: Mapped[str | None] = mapped_column(String(80))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    late_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class PaidService(Base):
    """PM-5: a paid special service (特约服务 / 有偿服务) with its payment notice and phone
    revisit."""

    __tablename__ = "pm_paid_services"
    # propertyPaidServices (newest first), a month's services, and the pending ones alone
    # (``NOT done``, pm0003, issue 13).
    __table_args__ = (
        Index("ix_pm_paid_services_site_performed", "site_id", "performed_at", "id"),
        Index(
            "ix_pm_paid_services_site_pending",
            "site_id",
            "performed_at",
            "id",
            postgresql_where=text("NOT done"),
            sqlite_where=text("done = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("pm_units.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("pm_residents.id"))
    description: Mapped[str] = mapped_column(Text)
    fee: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    performed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    notice_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    notice_received_by: Mapped[str | None] = mapped_column(String(80))
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisited_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    revisit_note: Mapped[str | None] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IncidentReport(Base):
    """PM-2 / PM-4: a serious or unresolved complaint reported upward with an incident report
    (事故报告): who reported, when, what, to whom."""

    __tablename__ = "pm_incident_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_to: Mapped[str] = mapped_column(String(120))
    reported_to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    summary: Mapped[str] = mapped_column(Text)
    written_complaint_attached: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
