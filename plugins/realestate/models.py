"""Real-estate tables (prefixed ``re_``) on the core metadata."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.plugin_api import Base, UTCDateTime


class RotationDay(Base):
    """RE-1: the day's rotation at one site, as the pure ``RotationState`` serialised."""

    __tablename__ = "re_rotation_days"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VisitReception(Base):
    """How the rotation treated one visit (turn, make-up, assist, not counted, who was skipped)."""

    __tablename__ = "re_visit_receptions"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    made_up_turn: Mapped[bool] = mapped_column(Boolean, default=False)
    new_registration: Mapped[bool] = mapped_column(Boolean, default=True)
    units_requested: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class OrderGrab(Base):
    """RE-5: an order-grabbing finding, with the suspension it caused."""

    __tablename__ = "re_order_grabs"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    grabber_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    named_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    suspended_until: Mapped[date] = mapped_column(Date)
    penalty_id: Mapped[int | None] = mapped_column(ForeignKey("penalties.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(16), default="RE-5")
