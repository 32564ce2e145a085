"""Core tables: sites, customers, staff, the visit register, complaints, penalties, events.

Times are stored timezone-aware (UTC on PostgreSQL; SQLite keeps the offset we give it).  Money
is ``Numeric`` mapped to ``Decimal``.  The visit register and the penalty ledger are append-only
(C-4): a correction or a revocation is a new row that references the old one.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import text
from sqlalchemy.types import TypeDecorator

from core.db import Base
from core.errors import FrontdeskError


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware (UTC) datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; times must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        tz = value.tzinfo
        if tz is None:
            return value.replace(tzinfo=UTC)
        if tz is UTC:  # what asyncpg returns: already the answer
            return value
        return value.astimezone(UTC)


def _enum(e: type[enum.Enum], name: str) -> Enum:
    # Stored as their values in a VARCHAR with a CHECK: readable in SQL, portable across backends.
    return Enum(
        e,
        name=name,
        native_enum=False,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        length=32,
    )


class CustomerClass(enum.StrEnum):
    """C-1 customer classes."""

    A = "A"  # guests of senior management
    B = "B"  # VIP, foreign guests
    C = "C"  # business reception
    D = "D"  # ordinary


class GroupKind(enum.StrEnum):
    """RE-11: one company or one family counts as one customer."""

    COMPANY = "company"
    FAMILY = "family"


class EmploymentStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


class VisitChannel(enum.StrEnum):
    WALK_IN = "walk_in"
    PHONE = "phone"


class InquiryKind(enum.StrEnum):
    """C-5 inquiry kinds."""

    CONSULTATION = "consultation"
    HELP_REQUEST = "help_request"
    PAID_SERVICE = "paid_service"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"


class VisitorKind(enum.StrEnum):
    """Who is at the desk; business lines decide what each kind means for reception."""

    CUSTOMER = "customer"
    MARKET_SURVEYOR = "market_surveyor"  # RE-8, declared
    RELATED_PARTY = "related_party"  # RE-9
    DIRECTIONS = "directions"  # RE-10
    LOOKING_FOR_SOMEONE = "looking_for_someone"  # RE-10


class PenaltyKind(enum.StrEnum):
    FINE = "fine"
    POINTS = "points"
    SUSPENSION = "suspension"
    DISMISSAL = "dismissal"
    WAGE_DEDUCTION = "wage_deduction"
    COMPENSATION = "compensation"  # C-14: a financial loss charged to the person at fault


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    business_line: Mapped[str] = mapped_column(String(40), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Working-day calendar (C-11): a holidays-library region code, e.g. "CN".
    calendar_region: Mapped[str] = mapped_column(String(16), default="CN")
    # RE-14 and similar notifications go to the site's manager on duty.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("name"),)


class CustomerGroup(Base):
    """RE-11: a company or a family; it belongs to the salesperson who received it first."""

    __tablename__ = "customer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind, "group_kind"))
    name: Mapped[str] = mapped_column(String(200))
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    owner_staff: Mapped[Staff | None] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("site_id", "kind", "name"),)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(200))
    # E.164, validated with the phonenumbers library (C-13: private, masked by role).
    phone: Mapped[str | None] = mapped_column(String(32))
    customer_class: Mapped[CustomerClass] = mapped_column(
        _enum(CustomerClass, "customer_class"), default=CustomerClass.D
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("customer_groups.id"), index=True)
    # RE-6 / RE-11: the salesperson (consultant, host) who received this customer first.
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    group: Mapped[CustomerGroup | None] = relationship(lazy="raise")
    owner: Mapped[Staff | None] = relationship(foreign_keys=[owner_staff_id], lazy="raise")
    # Schema 1.0 object links (read-only: the *_id columns are what is written).
    site: Mapped[Site] = relationship(lazy="raise", viewonly=True)
    owner_staff: Mapped[Staff | None] = relationship(
        foreign_keys=[owner_staff_id], lazy="raise", viewonly=True
    )

    # Every list seeks (issue 13): each filter of ``customers`` has an index in the list's
    # order (id, newest first).  Name search uses PostgreSQL-only indexes made by migration
    # c0014 (a trigram GIN index and a prefix btree, see core/services/directory.py).
    __table_args__ = (
        UniqueConstraint("site_id", "phone"),
        # The default order (newest first) and the short-prefix walk read the page from the
        # index alone on PostgreSQL: the columns a customer page shows ride along (c0020).
        Index("ix_customers_site_id_cover", "site_id", "id", postgresql_include=["name", "phone"]),
        Index("ix_customers_site_class_id", "site_id", "customer_class", "id"),
        Index("ix_customers_site_owner_id", "site_id", "owner_staff_id", "id"),
        # The orderBy keysets (c0019): name and created, ties broken by id.
        Index("ix_customers_site_name_id", "site_id", "name", "id"),
        Index("ix_customers_site_created_id", "site_id", "created_at", "id"),
    )


# Customer name search (issue 13), PostgreSQL only (migration c0014 creates pg_trgm and
# btree_gin): a trigram GIN index keeping the site in the index for ``nameContains`` of 3 or
# more characters, a pattern btree for the prefix search of shorter terms.  SQLite has
# neither and answers the same LIKE with a scan.
POSTGRESQL_ONLY_INDEXES = (
    Index(
        "ix_customers_name_trgm",
        Customer.site_id,
        Customer.name,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql"),
    Index(
        "ix_customers_site_name_prefix",
        Customer.site_id,
        Customer.name,
        postgresql_ops={"name": "varchar_pattern_ops"},
    ).ddl_if(dialect="postgresql"),
)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (Index("ix_staff_site_id_id", "site_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        _enum(EmploymentStatus, "employment_status"), default=EmploymentStatus.ACTIVE
    )
    phone: Mapped[str | None] = mapped_column(String(32))
    joined_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # C-12: the department the staff member belongs to (None for staff recorded before
    # departments existed, until someone assigns them).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # KTV-4: the daily wage a wage-day deduction is counted in (CNY; private, C-13: shown to
    # administrators and clerks only).  None: not recorded.
    daily_wage: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # The direct superior who approves leave and exit passes (KTV-4, KTV-5); None: any
    # manager of the site.
    superior_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    site: Mapped[Site] = relationship(lazy="raise", viewonly=True)
    department: Mapped[Department | None] = relationship(lazy="raise", viewonly=True)


class Department(Base):
    """A department of a site (C-12: complaint statistics are made weekly per department)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    site: Mapped[Site] = relationship(lazy="raise", viewonly=True)

    __table_args__ = (UniqueConstraint("site_id", "name"),)


class Visit(Base):
    """One entry of the visit register (来访登记).  Append-only (C-4)."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[VisitChannel] = mapped_column(_enum(VisitChannel, "visit_channel"))
    inquiry_kind: Mapped[InquiryKind] = mapped_column(_enum(InquiryKind, "inquiry_kind"))
    visitor_kind: Mapped[VisitorKind] = mapped_column(_enum(VisitorKind, "visitor_kind"))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The business day this visit belongs to, in the site's time zone and the line's
    # business-day rule (KTV-1: 01:30 belongs to the day before).
    business_date: Mapped[date] = mapped_column(Date)
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    named_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    receiver_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    decision_rule: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # C-4: a correction is a new entry pointing at the entry it corrects.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    receiver: Mapped[Staff | None] = relationship(foreign_keys=[receiver_id], lazy="raise")
    named_staff: Mapped[Staff | None] = relationship(foreign_keys=[named_staff_id], lazy="raise")
    site: Mapped[Site] = relationship(lazy="raise", viewonly=True)
    corrects: Mapped[Visit | None] = relationship(
        foreign_keys=[corrects_id], remote_side=[id], lazy="raise", viewonly=True
    )

    __table_args__ = (
        Index("ix_visits_site_arrived", "site_id", "arrived_at", "id"),
        # Every list seeks (issue 13): the register's order is id, newest first.
        Index("ix_visits_site_id_id", "site_id", "id"),
        Index("ix_visits_site_receiver_id", "site_id", "receiver_id", "id"),
        Index("ix_visits_customer_id_id", "customer_id", "id"),
        # ``visits(counted: false)``: the few uncounted entries (RE-8/9/10 …), a partial index.
        # The query writes the predicate as each database's index does: ``NOT counted``
        # (PostgreSQL does not prove ``counted IS false`` implies it), ``counted = 0``.
        Index(
            "ix_visits_site_uncounted",
            "site_id",
            "id",
            postgresql_where=text("NOT counted"),
            sqlite_where=text("counted = 0"),
        ),
    )


# Complaint statuses in which each deadline can be missed (the same sets as
# ``complaint_rules.overdue_reasons``; ``core.services.complaints.overdue`` checks they agree),
# as the WHERE clause of its partial index.  The sweep's query repeats these literals so that
# PostgreSQL and SQLite both see the index's predicate in it.
OVERDUE_STATUSES: dict[str, tuple[str, ...]] = {
    "first_response": ("received", "reopened"),
    # C-8: progress updates are owed while the complaint is being worked on.
    "progress_update": ("acknowledged", "in_progress", "waiting_on_customer"),
    "resolution": ("received", "acknowledged", "in_progress", "waiting_on_customer", "reopened"),
    "revisit": ("resolved",),
}
# The column each watch marks once its deadline's miss is reported.
OVERDUE_MARKS: dict[str, str] = {
    "first_response": "first_response_overdue_at",
    "progress_update": "progress_overdue_at",
    "resolution": "resolution_overdue_at",
    "revisit": "revisit_overdue_at",
}
OVERDUE_INDEXES: dict[str, str] = {
    name: f"{OVERDUE_MARKS[name]} IS NULL AND status IN ({', '.join(repr(s) for s in statuses)})"
    for name, statuses in OVERDUE_STATUSES.items()
}


class Complaint(Base):
    """A complaint (C-5..C-14): its current state, deadlines and the targets they came from.

    Every change is also a :class:`ComplaintHistoryEntry` row and an ``events`` row (C-9).
    ``filed_at`` is when the customer complained (the channel's ``received_at``, C-7); the
    number's month (C-6) and the statistics period (C-12) are taken from it in the site's
    time zone.  The due columns are stored so "overdue" is a plain SQL predicate; they are
    recomputed by ``core.services.complaints`` with ``compute_deadlines`` on every change
    that moves them (pause, resume, resolution, reopening).
    """

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    number: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    channel: Mapped[str] = mapped_column(String(16))
    channel_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    category: Mapped[str] = mapped_column(String(64), default="service")
    severity: Mapped[str] = mapped_column(String(16), default="general")
    status: Mapped[str] = mapped_column(String(32), default="received")
    description: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff_at_fault_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # Facts for the line's policy (PM-4: 3 or more households make a collective complaint;
    # flags such as "fire" or "lift_trapped" name the kind of incident).
    households: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Why the complaint got its severity and targets (the policy's rule id and sentence).
    policy_rule: Mapped[str] = mapped_column(String(16), default="C-11")
    policy_reason: Mapped[str] = mapped_column(Text, default="")
    # The targets in force when filed (C-8, C-11, PM-5): deadlines are recomputed from these,
    # never from a policy that changed since.
    first_response_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    resolution_working_days: Mapped[int] = mapped_column(Integer, default=3)
    special_case_working_days: Mapped[int] = mapped_column(Integer, default=7)
    revisit_days: Mapped[int] = mapped_column(Integer, default=14)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A reopening starts a new cycle with new deadlines (seed 003 制度1 第九条(八)).
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    cycle_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The overdue sweep reads these through the partial indexes ``ix_complaints_*_pending``
    # (open and not yet reported only, see OVERDUE_INDEXES).
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None while the clock is paused (waiting on the customer).
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    special_case_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisit_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the overdue sweep reported each missed deadline of the current cycle (once each).
    first_response_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisit_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # C-11 (revised): a complaint made during consumption is due at the time the customer
    # asked for (recorded at filing); a special case (with a reason) at the hard cap.
    customer_requested_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    special_case_reason: Mapped[str | None] = mapped_column(Text)
    special_case_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # C-8 (revised): progress updates every ``progress_interval_minutes`` until resolved.
    progress_interval_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    last_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Read by the overdue sweep through ``ix_complaints_progress_update_pending``.
    progress_update_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    progress_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # C-14: when and by whom the fault was verified (the fines point at this complaint).
    fault_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fault_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    handler: Mapped[Staff | None] = relationship(foreign_keys=[handler_id], lazy="raise")
    staff_at_fault: Mapped[Staff | None] = relationship(
        foreign_keys=[staff_at_fault_id], lazy="raise"
    )
    history: Mapped[list[ComplaintHistoryEntry]] = relationship(
        lazy="raise", order_by="ComplaintHistoryEntry.id", back_populates="complaint"
    )
    site: Mapped[Site] = relationship(lazy="raise", viewonly=True)
    visit: Mapped[Visit | None] = relationship(lazy="raise", viewonly=True)

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        Index("ix_complaints_site_status", "site_id", "status", "id"),
        # orderBy filedAt / updatedAt, the filedFrom/filedBefore filter and the statistics'
        # month (c0019), customerId (c0019).
        Index("ix_complaints_site_filed_id", "site_id", "filed_at", "id"),
        Index("ix_complaints_site_updated_id", "site_id", "updated_at", "id"),
        Index("ix_complaints_customer_id_id", "customer_id", "id"),
        # Every list seeks (issue 13): the list's order is id, newest first.
        Index("ix_complaints_site_id_id", "site_id", "id"),
        Index("ix_complaints_site_severity_id", "site_id", "severity", "id"),
        Index("ix_complaints_site_handler_id", "site_id", "handler_id", "id"),
        # The overdue sweep (C-8, C-11, C-9 revisit): one partial index per watched deadline,
        # holding only complaints whose deadline can still be missed and is not reported yet,
        # in due order; a sweep batch is a range scan of due < now.
        *(
            Index(
                f"ix_complaints_{name}_pending",
                f"{name}_due",
                "id",
                postgresql_where=text(where),
                sqlite_where=text(where),
            )
            for name, where in OVERDUE_INDEXES.items()
        ),
        CheckConstraint(
            "status IN ('received', 'acknowledged', 'in_progress', 'waiting_on_customer', "
            "'resolved', 'revisited', 'closed', 'reopened')",
            name="status",
        ),
        CheckConstraint("severity IN ('general', 'major')", name="severity"),
        CheckConstraint("channel IN ('in_person', 'phone', 'written')", name="channel"),
        CheckConstraint("escalation_level BETWEEN 0 AND 3", name="escalation_level"),
        CheckConstraint("cycle >= 1", name="cycle"),
    )


class PenaltyRule(Base):
    """One row of a business line's penalty table, synced from the plugin's policy data."""

    __tablename__ = "penalty_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_line: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PenaltyKind] = mapped_column(_enum(PenaltyKind, "penalty_kind"))
    min_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    max_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("business_line", "code"),)


class Penalty(Base):
    """The penalty ledger: append-only; a revocation is a new entry that revokes an old one."""

    __tablename__ = "penalties"
    __table_args__ = (
        Index("ix_penalties_site_id_id", "site_id", "id"),
        Index("ix_penalties_site_staff_id", "site_id", "staff_id", "id"),
        # orderBy issuedAt and the issuedFrom/issuedBefore filter (c0019).
        Index("ix_penalties_site_issued_id", "site_id", "issued_at", "id"),
        # The rule filter, on the rule's penalty-table rows (c0020).
        Index("ix_penalties_site_rule_id", "site_id", "penalty_rule_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    penalty_rule_id: Mapped[int] = mapped_column(ForeignKey("penalty_rules.id"))
    # CNY for fines and wage deductions, points for points, days for suspensions.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    reason: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    revokes_id: Mapped[int | None] = mapped_column(ForeignKey("penalties.id"), unique=True)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id], lazy="raise")
    penalty_rule: Mapped[PenaltyRule] = relationship(lazy="raise")
    site: Mapped[Site] = relationship(lazy="raise", viewonly=True)
    issued_by: Mapped[Staff | None] = relationship(
        foreign_keys=[issued_by_id], lazy="raise", viewonly=True
    )
    complaint: Mapped[Complaint | None] = relationship(lazy="raise", viewonly=True)
    visit: Mapped[Visit | None] = relationship(lazy="raise", viewonly=True)
    revokes: Mapped[Penalty | None] = relationship(
        foreign_keys=[revokes_id], remote_side=[id], lazy="raise", viewonly=True
    )


class PluginState(Base):
    """Which business lines an operator has switched on (the state lives in the database)."""

    __tablename__ = "plugin_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Event(Base):
    """A domain event, written in the same transaction as the change it describes.

    ``id`` is the cursor: readers read up to the event horizon only, below which every id
    is final, so a cursor never skips an event that commits later (see ``core.events``).
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    stream: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_events_stream_id", "stream", "id"),
        # A one-site subscription resume reads only that site's events (issue 13).
        Index("ix_events_stream_site_id_id", "stream", "site_id", "id"),
    )


class AppendOnlyViolation(FrontdeskError):
    code = "APPEND_ONLY"


@event.listens_for(Visit, "before_update")
def _visits_are_append_only(_mapper: Any, _conn: Any, target: Visit) -> None:
    # C-4: the register is never edited; record a correction instead.
    raise AppendOnlyViolation(
        f"visit {target.id} is in the append-only register (C-4); record a correction that "
        "references it instead of editing it"
    )


@event.listens_for(Penalty, "before_update")
def _penalties_are_append_only(_mapper: Any, _conn: Any, target: Penalty) -> None:
    raise AppendOnlyViolation(
        f"penalty {target.id} is in the append-only ledger; revoke it with a new entry"
    )


# --- complaints (C-6, C-9, C-11) ---------------------------------------------------------------


class ComplaintSeverity(enum.StrEnum):
    """PM-4: a major complaint (fire, people trapped in a lift, collective …) or a general one."""

    GENERAL = "general"
    MAJOR = "major"


class ComplaintAction(enum.StrEnum):
    """What one entry of a complaint's history records (C-9: who, when, why)."""

    FILED = "filed"
    TRANSITION = "transition"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    FAULT_VERIFIED = "fault_verified"
    OVERDUE = "overdue"
    # C-6: the number was rewritten to the revised form (from_value old, to_value new).
    RENUMBERED = "renumbered"
    PROGRESS_UPDATE = "progress_update"  # C-8: the customer was told of the progress
    SPECIAL_CASE = "special_case"  # C-11: marked a special case, with the reason


class ComplaintHistoryEntry(Base):
    """One change of a complaint: who made it, when, why, from what to what (C-9).

    Append-only, written in the same transaction as the change and its event (``event_id``).
    ``actor_staff_id`` is None only for changes the system makes (the overdue sweep).

    "X on behalf of Y" (C-13 act_for): when a token records a change for another staff member
    (a clerk entering what a manager decided on paper), the actor is Y and ``recorded_by``
    (the token's name, as in the audit log) and ``recorded_by_staff_id`` (its staff member,
    if any) are X.  Both None when the actor recorded it themselves.
    """

    __tablename__ = "complaint_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    cycle: Mapped[int] = mapped_column(Integer)
    action: Mapped[ComplaintAction] = mapped_column(_enum(ComplaintAction, "complaint_action"))
    from_value: Mapped[str | None] = mapped_column(String(32))
    to_value: Mapped[str | None] = mapped_column(String(32))
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("events.id")
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(lazy="raise", back_populates="history")
    actor: Mapped[Staff | None] = relationship(lazy="raise", foreign_keys=[actor_staff_id])
    recorded_by_staff: Mapped[Staff | None] = relationship(
        lazy="raise", foreign_keys=[recorded_by_staff_id]
    )

    __table_args__ = (Index("ix_complaint_history_complaint", "complaint_id", "id"),)


class ComplaintPause(Base):
    """A time the complaint waited on the customer: its resolution clock stood still (C-11).

    ``ended_at`` is None while the pause is open; ``cycle`` ties it to the deadline cycle it
    extends (a reopening starts a new cycle without the old pauses).
    """

    __tablename__ = "complaint_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    cycle: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_complaint_pauses_complaint", "complaint_id", "cycle"),)


class ComplaintSerial(Base):
    """The last serial issued at a site in one numbering month (C-6: YYMM-serial).

    Filing takes this row's lock (``INSERT … ON CONFLICT DO UPDATE … RETURNING``) inside its
    transaction, so concurrent filings get distinct, consecutive serials and a rolled-back
    filing gives its serial back.
    """

    __tablename__ = "complaint_serials"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    # The first day of the site-local month the serial belongs to.
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("last_serial >= 1", name="last_serial"),)


class IdempotencyKey(Base):
    """A mutation's answer under the client's ``Idempotency-Key`` (per token, 24 hours).

    Inserted, answer included, in the mutation's own transaction: a committed mutation always
    has its key, so a retry after a lost answer gets the first answer and writes nothing.
    """

    __tablename__ = "idempotency_keys"

    # Whose key: "token:<id>" (or the actor's name when tokens are not required).
    scope: Mapped[str] = mapped_column(String(220), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # SHA-256 of the operation (query, variables, operation name): a different document under
    # the same key is refused (IDEMPOTENCY_KEY_REUSED).
    request_hash: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- workforce: rosters and shift swaps (C-15, PM-1, KTV-1) ------------------------------------


class Shift(Base):
    """One shift of one staff member on one business day of the roster.

    ``starts_at``/``ends_at`` are instants (a shift may cross midnight: KTV-1 19:30–02:00,
    PM-1 night duty 20:00–08:00); ``business_date`` is the day it belongs to by the line's
    business-day rule.  ``duty_role`` is the role the person holds on this shift (PM-1: the
    night duty manager), by default their staff role.  An approved C-15 swap moves a shift to
    the other party; the swap register keeps who held it before.
    """

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duty_role: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_shifts_site_starts", "site_id", "starts_at"),
        # ``shifts(siteId, fromDate, toDate)``: a period of the site's roster (c0019).
        Index("ix_shifts_site_date", "site_id", "business_date"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )


class SwapStatus(enum.StrEnum):
    """C-15: requested (the requester's consent) → agreed (the other party's) → approved by
    the manager; or refused / withdrawn."""

    REQUESTED = "requested"
    AGREED = "agreed"
    APPROVED = "approved"
    REFUSED = "refused"


class ShiftSwap(Base):
    """One entry of the C-15 swap register (换班登记表).

    The requester gives ``shift`` to the counterpart and takes the counterpart's pay-back
    shift (还班) ``payback_shift``.  ``month`` is the first day of the month of the swapped
    shift's business date: the monthly limit counts per it.
    """

    __tablename__ = "shift_swaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    payback_shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    status: Mapped[SwapStatus] = mapped_column(_enum(SwapStatus, "swap_status"))
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decision_rule: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_shift_swaps_site_status", "site_id", "status"),
        Index("ix_shift_swaps_site_id_id", "site_id", "id"),  # newest first (c0019)
    )


# --- attendance, leave, exit passes, monthly points (PM-9, KTV-4, KTV-5) ----------------------


class AttendanceStatus(enum.StrEnum):
    """How a shift was attended (PM-9, KTV-4): absent (缺勤) and absenteeism (旷工) differ."""

    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    ABSENTEEISM = "absenteeism"
    TIME_OFF_IN_LIEU = "time_off_in_lieu"
    ON_LEAVE = "on_leave"


class AttendanceRecord(Base):
    """How one rostered shift was attended: one row per shift, written at the clock-in or
    when a manager records the day (an absence, a forgotten clock-in, an approved leave).

    ``wage_days``/``wage_deduction``: KTV-4's deduction for a day of absenteeism, in days of
    the daily wage and in CNY (private, C-13).  ``left_early_rule``/``left_early_reason``:
    KTV-5, left before the end without an approved exit pass.
    """

    __tablename__ = "attendance_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), unique=True)
    business_date: Mapped[date] = mapped_column(Date)
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus, "attendance_status"))
    minutes_late: Mapped[int] = mapped_column(Integer, default=0)
    clocked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clocked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rule: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    left_early_rule: Mapped[str | None] = mapped_column(String(16))
    left_early_reason: Mapped[str | None] = mapped_column(Text)
    wage_days: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    wage_deduction: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    leave_request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_attendance_staff_date", "staff_id", "business_date"),
        # ``attendance(siteId, fromDate, toDate)``: its filter and order (c0019).
        Index("ix_attendance_site_date_id", "site_id", "business_date", "id"),
    )


class RequestStatus(enum.StrEnum):
    """A leave request or an exit pass: requested, then approved or refused."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    # A leave request still undecided when its business day started (issue 12): it can no
    # longer be approved in advance; staying away that day is absenteeism (PM-9, KTV-4).
    LAPSED = "lapsed"


class LeaveKind(enum.StrEnum):
    LEAVE = "leave"  # 请假
    TIME_OFF_IN_LIEU = "time_off_in_lieu"  # 调休


class LeaveRequest(Base):
    """A request for leave (or a day off in lieu) on one rostered shift (KTV-4, PM-9).

    ``late_rule``/``late_reason``: set when it was requested after the line's deadline
    (KTV-4) or falls on a swapped or public-holiday shift (C-15): approving it lets the
    person stay away, but the day counts as absenteeism.  ``reason`` is private (C-13).
    """

    __tablename__ = "leave_requests"
    # ``leaveRequests(siteId, fromDate, toDate)``: its filter and order (c0019).
    __table_args__ = (Index("ix_leave_requests_site_date_id", "site_id", "business_date", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    business_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[LeaveKind] = mapped_column(_enum(LeaveKind, "leave_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_rule: Mapped[str | None] = mapped_column(String(16))
    late_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "request_status"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_rule: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class ExitPass(Base):
    """KTV-5: a pass to leave mid-shift, approved by the direct superior at or before
    leaving."""

    __tablename__ = "exit_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "request_status"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PointsEntry(Base):
    """The monthly points ledger (PM-9): append-only, one row per occurrence of an item of
    the line's points table; a revocation is a new entry that revokes an old one.  The
    balance is computed from the standing entries (stepped rules, floor), not stored."""

    __tablename__ = "points_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # The first day of the month (by business date) the entry counts in.
    month: Mapped[date] = mapped_column(Date)
    item_code: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(16))
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(Text, default="")
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_records.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revokes_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"), unique=True)

    __table_args__ = (Index("ix_points_staff_month", "staff_id", "month"),)


class Meeting(Base):
    """A meeting with a roll call (KTV-2: the pre-shift meeting at 19:30, roll closing at
    20:00).  Those rostered on its business day are expected; the roll is decided when it
    closes (KTV-2, KTV-10)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RollCallEntry(Base):
    """One person's line on a meeting's roll: when they signed, whether a room booking for
    the evening excuses them (KTV-10, signed afterwards) and when it was cancelled, and the
    outcome once decided (present, late, excused, absent)."""

    __tablename__ = "roll_call_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    room_booking: Mapped[bool] = mapped_column(Boolean, default=False)
    booking_cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str | None] = mapped_column(String(16))
    minutes_late: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("meeting_id", "staff_id"),)


# --- C-3 visit appointments and generic bookings ------------------------------------------------


class AppointmentStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"


class Appointment(Base):
    """A visit appointment (C-3, 参观预约): organisation, head count, contact, areas, time,
    approver and approval time, the general manager's approval of content and route, and
    whether photography is allowed (default: no)."""

    __tablename__ = "appointments"
    # ``appointments(siteId, fromAt, toAt)``: its filter and order (c0019).
    __table_args__ = (Index("ix_appointments_site_visit_id", "site_id", "visit_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(200))
    head_count: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str] = mapped_column(String(200))
    areas: Mapped[str] = mapped_column(Text, default="")
    visit_at: Mapped[datetime] = mapped_column(UTCDateTime())
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    photography_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[AppointmentStatus] = mapped_column(
        _enum(AppointmentStatus, "appointment_status")
    )
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    route_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # C-3: the register entry the visitors were received with (``checkInVisit``), c0019.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))


class BookingStatus(enum.StrEnum):
    HELD = "held"
    HONOURED = "honoured"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class Booking(Base):
    """A generic booking (issue 12): who booked, for whom, which resource (a room, a table, a
    time slot), which business day; held, then honoured, cancelled or a no-show.  The KTV's
    rooms and tables (KTV-10, KTV-11: the booker receives the guest and is credited) and the
    fitness club's appointment book are bookings of their kind."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    guest_name: Mapped[str] = mapped_column(String(200), default="")
    resource_kind: Mapped[str] = mapped_column(String(40))
    resource: Mapped[str] = mapped_column(String(100))
    business_date: Mapped[date] = mapped_column(Date)
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus, "booking_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # How the entry took effect, for a kind that needs it (FC-3: the director's or general
    # manager's "signature", or an "sms" to them when both are away), who approved (the
    # signer, or the one texted, when known) and when; NULL: not approved (c0019).
    approval: Mapped[str | None] = mapped_column(String(16))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_bookings_site_date", "site_id", "business_date"),)
