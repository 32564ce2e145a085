"""The core services a business line may call, each inside the caller's transaction.

They validate like the GraphQL API does (same errors, same codes) and record the same
events, so a line's mutation that registers a customer or issues a penalty is
indistinguishable from core's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FrontdeskError, InvalidInput
from core.events import record_event
from core.models import Penalty, PluginState, Site, Staff
from core.plugin_api.graphql import parse_id
from core.services.appointments import (
    approve_appointment,
    approve_booking,
    book,
    booking_counts,
    check_in_appointment,
    make_appointment,
    penalise_unapproved_visit,
    set_booking_status,
)
from core.services.attendance import (
    call_meeting,
    clock_in,
    clock_out,
    close_roll,
    decide_exit_pass,
    decide_leave,
    end_employment,
    issue_points,
    month_points,
    note_room_booking,
    request_exit_pass,
    request_leave,
    revoke_points,
    set_staff_pay,
    sign_roll,
    site_policy,
    sweep_undecided_leave,
)
from core.services.attendance import record_day as record_attendance
from core.services.complaints import ComplaintFiling, file_complaint, transition_complaint
from core.services.directory import add_staff, get_site, get_staff_at, register_customer
from core.services.penalties import issue_penalty, revoke_penalty
from core.services.visits import CheckIn, check_in_visit, correct_visit
from core.services.workforce import schedule_shift

__all__ = [
    "CheckIn",
    "ComplaintFiling",
    "add_staff",
    "approve_appointment",
    "approve_booking",
    "book",
    "booking_counts",
    "call_meeting",
    "check_in_appointment",
    "check_in_visit",
    "clock_in",
    "clock_out",
    "close_roll",
    "correct_visit",
    "decide_exit_pass",
    "decide_leave",
    "end_employment",
    "file_complaint",
    "get_line_site",
    "get_site",
    "get_staff",
    "issue_penalty",
    "issue_points",
    "line_policy",
    "load_line_policy",
    "local_time",
    "make_appointment",
    "month_points",
    "note_room_booking",
    "penalise_unapproved_visit",
    "plugin_settings",
    "record_attendance",
    "record_event",
    "register_customer",
    "request_exit_pass",
    "request_leave",
    "revoke_penalty",
    "revoke_points",
    "revoked_penalties",
    "schedule_shift",
    "set_booking_status",
    "set_staff_pay",
    "sign_roll",
    "site_zone",
    "staff_names",
    "sweep_undecided_leave",
    "transition_complaint",
    "workforce_policy_of",
]

PolicyT = TypeVar("PolicyT", covariant=True)


class OverridablePolicy(Protocol[PolicyT]):
    """A line's policy class: its defaults with an operator's stored overrides applied
    (``ValueError`` naming the key when an override is wrong)."""

    def from_overrides(self, overrides: Mapping[str, Any], /) -> PolicyT: ...


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


# --- the helpers every line's service module starts with -------------------------------------


def line_policy(
    policy_type: OverridablePolicy[PolicyT],
    code: str,
    settings: Mapping[str, Mapping[str, Any]] | None,
) -> PolicyT:
    """Line ``code``'s policy with the operator's settings (``{code: {...}}``, as hooks
    receive them) applied; a stored value the policy refuses answers INVALID_POLICY."""
    try:
        return policy_type.from_overrides(((settings or {}).get(code)) or {})
    except ValueError as exc:
        raise FrontdeskError(str(exc), code="INVALID_POLICY") from exc


async def load_line_policy(
    session: AsyncSession, policy_type: OverridablePolicy[PolicyT], code: str
) -> PolicyT:
    """:func:`line_policy` with the settings as stored now (read in the caller's
    transaction)."""
    return line_policy(policy_type, code, {code: await plugin_settings(session, code)})


async def get_line_site(
    session: AsyncSession, site_id: Any, business_line: str, *, what: str, lock: bool = False
) -> Site:
    """The site ``site_id`` (an input id, parsed as ``siteId``) when it is a site of
    ``business_line``; SITE_NOT_FOUND, or WRONG_BUSINESS_LINE saying the site is not
    ``what`` (e.g. "a fitness club"). ``lock`` as in :func:`get_site`."""
    site = await get_site(session, parse_id(site_id, "siteId"), lock=lock)
    if site.business_line != business_line:
        raise InvalidInput(
            f"site {site.id} is a {site.business_line} site, not {what}",
            code="WRONG_BUSINESS_LINE",
        )
    return site


def site_zone(site: Site) -> ZoneInfo:
    """The site's time zone (rules take it explicitly)."""
    return ZoneInfo(site.timezone)


def local_time(site: Site, moment: datetime) -> datetime:
    """``moment`` (aware) on the site's clock."""
    return moment.astimezone(site_zone(site))


async def staff_names(session: AsyncSession, ids: Iterable[int | str | None]) -> dict[str, str]:
    """``{str(id): name}`` of the staff ``ids`` (empty ids skipped; one statement, none when
    there is nothing to look up) — for the sentences of a rule's reasons."""
    wanted = sorted({int(i) for i in ids if i})
    if not wanted:
        return {}
    rows = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted)))
    return {str(i): name for i, name in rows.all()}


async def workforce_policy_of(session: AsyncSession, host: Any, site: Any) -> Any:
    """The :class:`~core.contracts.WorkforcePolicy` of ``site`` as its line and the
    company-wide plugins set it (``frontdesk_workforce_policy``), read in the caller's
    transaction."""
    return await site_policy(session, host, site)
