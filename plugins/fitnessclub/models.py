"""Fitness-club tables (prefixed ``fc_``) on the core metadata.

Every record says who and when (seed 000 篇八): follow-up sheets, the appointment book,
same-day leads and trial vouchers, card sales with their current attribution, claims
(对单) with the decision that settled them, and month closes (FC-22).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.plugin_api import Base, UTCDateTime


class FollowUpSheet(Base):
    """FC-3 / FC-5: a follow-up sheet (跟進表), evidence for one month."""

    __tablename__ = "fc_follow_up_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    consultant_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    surname: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(32))
    legible: Mapped[bool] = mapped_column(Boolean, default=True)
    altered: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # FC-20: made after a colleague had shown an earlier sheet on the customer.
    made_after_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Appointment(Base):
    """FC-3 / FC-6: a line of the appointment book (預約表), valid only on its day."""

    __tablename__ = "fc_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    consultant_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    visit_date: Mapped[date] = mapped_column(Date)
    signature: Mapped[str] = mapped_column(String(16))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Issue 12: the core booking (kind "appointment") holding this entry (fc0003).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))


class Lead(Base):
    """FC-11 / FC-12: a same-day phone inquiry, flyer number or a trial voucher shown."""

    __tablename__ = "fc_leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    consultant_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CardSale(Base):
    """A card sale and its current attribution (shares as ``[{staff_id, share}]``)."""

    __tablename__ = "fc_card_sales"
    # A site's sales of a time range (month reports, open claims, fitnessSales by sale time,
    # ties by id): fc0002's (site_id, sold_at) extended by fc0004 (issue 13).
    __table_args__ = (Index("ix_fc_card_sales_site_sold_id", "site_id", "sold_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    closer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    card_type: Mapped[str] = mapped_column(String(80))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    phone: Mapped[str] = mapped_column(String(32))
    # FC-16: the customer's number in the register when it differs from the sale's, when the
    # closer copied the sale's number into the register, and the fine for not doing it.
    register_phone: Mapped[str | None] = mapped_column(String(32))
    phone_fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    phone_fine_id: Mapped[int | None] = mapped_column(ForeignKey("penalties.id"))
    group_size: Mapped[int] = mapped_column(Integer, default=1)
    # FC-17: the card's last valid day, for a later upgrade or renewal.
    valid_until: Mapped[date | None] = mapped_column(Date)
    # FC-7: the visitor had a register entry (a visit) before the sale.
    registered: Mapped[bool] = mapped_column(Boolean, default=True)
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shares: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    follow_up_holder_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    decision_rule: Mapped[str] = mapped_column(String(16))
    decision_message: Mapped[str] = mapped_column(Text)


class Claim(Base):
    """A claim (对单) on a sale and the rule that decided it."""

    __tablename__ = "fc_claims"
    # fitnessClaims(saleId): a sale's claims, oldest first (fc0004, issue 13).
    __table_args__ = (Index("ix_fc_claims_sale_found_id", "sale_id", "found_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("fc_card_sales.id"))
    claimant_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    shares: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    rule: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)


class MonthClose(Base):
    """FC-22: a closed month (the site's local month); its attributions are frozen."""

    __tablename__ = "fc_month_closes"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
