"""The core services a business line may call, each inside the caller's transaction.

They validate like the GraphQL API does (same errors, same codes) and record the same
events, so a line's mutation that registers a customer or issues a penalty is
indistinguishable from core's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.events import record_event
from core.models import Penalty, PluginState
from core.services.appointments import (
    approve_appointment,
    book,
    check_in_appointment,
    make_appointment,
    set_booking_status,
)
from core.services.attendance import (
    clock_in,
    clock_out,
    decide_leave,
    issue_points,
    month_points,
    request_leave,
    revoke_points,
    site_policy,
)
from core.services.attendance import record_day as record_attendance
from core.services.directory import add_staff, get_site, get_staff_at, register_customer
from core.services.penalties import issue_penalty, revoke_penalty
from core.services.visits import CheckIn, check_in_visit, correct_visit

__all__ = [
    "CheckIn",
    "add_staff",
    "approve_appointment",
    "book",
    "check_in_appointment",
    "check_in_visit",
    "clock_in",
    "clock_out",
    "correct_visit",
    "decide_leave",
    "get_site",
    "get_staff",
    "issue_penalty",
    "issue_points",
    "make_appointment",
    "month_points",
    "plugin_settings",
    "record_attendance",
    "record_event",
    "register_customer",
    "request_leave",
    "revoke_penalty",
    "revoke_points",
    "revoked_penalties",
    "set_booking_status",
    "workforce_policy_of",
]


async def get_staff(session: AsyncSession, staff_id: int, site_id: int, field: str) -> Any:
    """The staff member ``staff_id`` of site ``site_id``, or STAFF_NOT_FOUND naming
    ``field`` (the input that carried the id)."""
    return await get_staff_at(session, staff_id, site_id, field)


async def plugin_settings(session: AsyncSession, code: str) -> Mapping[str, Any]:
    """The operator's stored settings of plugin ``code`` (``{}`` when none), read in the
    caller's transaction."""
    state = await session.get(PluginState, code)
    return dict(state.settings) if state is not None and state.settings else {}


async def revoked_penalties(session: AsyncSession, penalty_ids: Iterable[int]) -> set[int]:
    """Which of the ledger entries ``penalty_ids`` a later entry revoked (read in the
    caller's transaction); a line undoes what the penalty caused (e.g. RE-5's suspension)."""
    ids = [i for i in penalty_ids if i is not None]
    if not ids:
        return set()
    rows = await session.scalars(select(Penalty.revokes_id).where(Penalty.revokes_id.in_(ids)))
    return {int(i) for i in rows.all() if i is not None}


async def workforce_policy_of(session: AsyncSession, host: Any, site: Any) -> Any:
    """The :class:`~core.contracts.WorkforcePolicy` of ``site`` as its line and the
    company-wide plugins set it (``frontdesk_workforce_policy``), read in the caller's
    transaction."""
    return await site_policy(session, host, site)
