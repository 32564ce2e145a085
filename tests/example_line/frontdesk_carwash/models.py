"""The car wash's own table, on core's metadata, prefixed with the line's code (``cw_``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.plugin_api import Base, UTCDateTime


class Wash(Base):
    """One wash: which attendant took the car, in which bay (CW-1, CW-3)."""

    __tablename__ = "cw_washes"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    attendant_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    bay: Mapped[int] = mapped_column(Integer)
    washed_at: Mapped[datetime] = mapped_column(UTCDateTime())
