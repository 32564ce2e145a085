"""The visit register (来访登记): check-ins and corrections, append-only (C-4)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, bindparam, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from core.contracts import ReceptionContext, ReceptionOutcome, VisitRecorded
from core.db import insert_row
from core.decisions import Reason
from core.errors import Conflict, InvalidInput, NotFound, PluginError
from core.events import record_event
from core.models import (
    AppointmentStatus,
    Customer,
    CustomerGroup,
    InquiryKind,
    PluginState,
    Site,
    Visit,
    VisitChannel,
    VisitorKind,
)
from core.plugins import PluginHost
from core.services.desk_appointments import appointment_at_check_in, appointment_received
from core.services.directory import get_site, get_staff_at
from core.services.plugin_state import load_settings

MAX_PARTY_SIZE = 500


@dataclass(frozen=True)
class CheckIn:
    site_id: int
    customer_id: int | None = None
    channel: VisitChannel = VisitChannel.WALK_IN
    inquiry_kind: InquiryKind = InquiryKind.CONSULTATION
    visitor_kind: VisitorKind = VisitorKind.CUSTOMER
    named_staff_id: int | None = None
    party_size: int = 1
    notes: str | None = None
    # Only for lines without reception rules: the receiver chosen at the desk.
    receiver_id: int | None = None
    arrived_at: datetime | None = None
    line_input: dict[str, Any] = field(default_factory=dict)
    # C-3: the visit appointment the visitors come on (checked at the desk).
    appointment_id: int | None = None


def business_date_of(
    host: PluginHost, site: Site, moment: datetime, settings: Mapping[str, Mapping[str, Any]]
) -> date:
    """The business day ``moment`` belongs to (the line may say otherwise: RE-1's configured
    start of day, KTV-1), with the plugins' ``settings`` read in the caller's transaction."""
    answer = host.call_line(
        site.business_line, "frontdesk_business_date", site=site, moment=moment, settings=settings
    )
    if answer is not None:
        return answer
    return moment.astimezone(ZoneInfo(site.timezone)).date()


@functools.cache
def _site_lock_statement() -> Any:
    """Built once (the site id is a bound parameter): no statement construction or cache key
    per check-in (issue 8)."""
    every = select(func.json_object_agg(PluginState.name, PluginState.settings)).scalar_subquery()
    return (
        select(Site, type_coerce(every, JSON).label("settings"))
        .where(Site.id == bindparam("site_id"))
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE, as get_site(lock=True)
    )


async def _lock_site_reading_settings(
    session: AsyncSession, site_id: int
) -> tuple[Site, dict[str, dict[str, Any]]]:
    """The site row locked as :func:`get_site` locks it, and every plugin's stored settings
    (what :func:`load_settings` reads), in one statement: the settings ride along as a scalar
    subquery (its rows are not locked).  One round trip fewer on every check-in (issue 8)."""
    if session.get_bind().dialect.name != "postgresql":
        return await get_site(session, site_id, lock=True), await load_settings(session)
    row = (await session.execute(_site_lock_statement(), {"site_id": site_id})).first()
    if row is None:
        raise NotFound(f"site {site_id} does not exist", code="SITE_NOT_FOUND", field="siteId")
    stored = row[1] or {}
    return row[0], {name: dict(value) for name, value in stored.items() if value}


async def check_in_visit(
    session: AsyncSession, host: PluginHost, check_in: CheckIn, now: datetime
) -> tuple[Visit, ReceptionOutcome | None]:
    """Register a visit and let the site's business line decide who receives it.

    Takes the site's lock first, so concurrent check-ins at one site are serialised and a
    rotation never hands out the same turn twice.
    """
    site, settings = await _lock_site_reading_settings(session, check_in.site_id)
    if site.business_line not in host.enabled_lines():
        raise InvalidInput(
            f"site {site.id} belongs to the disabled business line {site.business_line!r}; "
            "enable the line to check visitors in there",
            code="BUSINESS_LINE_DISABLED",
        )
    if not 1 <= check_in.party_size <= MAX_PARTY_SIZE:
        raise InvalidInput(
            f"partySize must be between 1 and {MAX_PARTY_SIZE}",
            code="INVALID_PARTY_SIZE",
            field="partySize",
        )
    arrived_at = check_in.arrived_at or now
    if arrived_at.tzinfo is None:
        raise InvalidInput("arrivedAt needs a time zone offset", code="NAIVE_DATETIME")
    if arrived_at > now:
        raise InvalidInput("arrivedAt is in the future", code="ARRIVAL_IN_FUTURE")
    customer = None
    owner_staff_id = None
    owner_from_group = False
    if check_in.customer_id is not None:
        customer = await session.get(Customer, check_in.customer_id)
        if customer is None or customer.site_id != site.id:
            raise NotFound(
                f"customer {check_in.customer_id} is not registered at site {site.id}",
                code="CUSTOMER_NOT_FOUND",
                field="customerId",
            )
        owner_staff_id = customer.owner_staff_id
        if customer.group_id is not None:
            # RE-11: a member on their first reception (registered after the group's first
            # reception, perhaps with the group's owner copied in) belongs to the group's
            # first receiver; the decision names RE-11, not RE-6 (revised 2026-12-01).
            received_before = await session.scalar(
                select(Visit.id)
                .where(Visit.customer_id == customer.id, Visit.receiver_id.is_not(None))
                .limit(1)
            )
            if received_before is None or owner_staff_id is None:
                group = await session.get(CustomerGroup, customer.group_id)
                if group is not None and group.owner_staff_id is not None:
                    owner_staff_id = group.owner_staff_id
                    owner_from_group = True
    if check_in.named_staff_id is not None:
        await get_staff_at(session, check_in.named_staff_id, site.id, "namedStaffId")
    # C-3: a visit that needs an appointment, or names one, is received only on an approved
    # appointment made in time (refused here, before the line's rotation moves).
    appointment = await appointment_at_check_in(
        session,
        host,
        site,
        settings,
        appointment_id=check_in.appointment_id,
        visitor_kind=check_in.visitor_kind.value,
        channel=check_in.channel.value,
        arrived_at=arrived_at,
    )
    business_date = business_date_of(host, site, arrived_at, settings)
    context = ReceptionContext(
        session=session,
        site=site,
        now=arrived_at,
        business_date=business_date,
        customer_id=customer.id if customer else None,
        channel=check_in.channel.value,
        inquiry_kind=check_in.inquiry_kind.value,
        visitor_kind=check_in.visitor_kind.value,
        named_staff_id=check_in.named_staff_id,
        party_size=check_in.party_size,
        owner_staff_id=owner_staff_id,
        line_input=check_in.line_input.get(site.business_line),
        owner_from_group=owner_from_group,
        settings=settings,
    )
    outcome = await host.acall_line(site.business_line, "frontdesk_receive_visit", context=context)
    if outcome is not None and not isinstance(outcome, ReceptionOutcome):
        raise PluginError(
            f"the {site.business_line} line answered frontdesk_receive_visit with "
            f"{type(outcome).__name__}, not a ReceptionOutcome",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    if outcome is None:
        receiver_id = check_in.receiver_id
        if receiver_id is not None:
            await get_staff_at(session, receiver_id, site.id, "receiverId")
        counted = True
        reason = Reason("C-4", "registered; the receiver was chosen at the desk")
    else:
        if outcome.receiver_id is None:
            raise Conflict(
                f"nobody can receive this visitor now: {outcome.reason.message}",
                code="NO_RECEIVER_AVAILABLE",
                rule=outcome.reason.rule,
            )
        receiver_id = outcome.receiver_id
        counted = outcome.counted
        reason = outcome.reason
    visit = Visit(
        site_id=site.id,
        customer_id=customer.id if customer else None,
        channel=check_in.channel,
        inquiry_kind=check_in.inquiry_kind,
        visitor_kind=check_in.visitor_kind,
        arrived_at=arrived_at,
        business_date=business_date,
        party_size=check_in.party_size,
        named_staff_id=check_in.named_staff_id,
        receiver_id=receiver_id,
        counted=counted,
        decision_rule=reason.rule,
        decision_reason=reason.message,
        notes=check_in.notes,
        recorded_at=now,
    )
    await insert_row(session, visit)  # session.add + flush, without the unit of work
    if appointment is not None:
        appointment.status = AppointmentStatus.ARRIVED
        appointment.arrived_at, appointment.visit_id = arrived_at, visit.id
    if customer is not None and customer.owner_staff_id is None and counted and receiver_id:
        # RE-11 / RE-6: the first salesperson to receive a customer owns them (and their group).
        customer.owner_staff_id = receiver_id
        if customer.group_id is not None:
            group = await session.get(CustomerGroup, customer.group_id)
            if group is not None and group.owner_staff_id is None:
                group.owner_staff_id = receiver_id
    await host.acall_line(
        site.business_line,
        "frontdesk_visit_recorded",
        event=VisitRecorded(session=session, site=site, visit=visit, outcome=outcome, now=now),
    )
    await record_event(
        session,
        stream="visits",
        type="visit.checked_in",
        now=now,
        site_id=site.id,
        subject_id=visit.id,
        payload={
            "receiver_id": receiver_id,
            "counted": counted,
            "rule": reason.rule,
            "reason": reason.message,
            # The line's own facts about the reception (ReceptionOutcome.event_payload).
            **(
                {site.business_line: dict(outcome.event_payload)}
                if outcome is not None and outcome.event_payload
                else {}
            ),
        },
    )
    if appointment is not None:
        await appointment_received(session, appointment, visit, now)
    for note in outcome.notifications if outcome else ():
        await record_event(
            session,
            stream="notifications",
            type=note.kind,
            now=now,
            site_id=site.id,
            subject_id=visit.id,
            payload={"rule": note.rule, "message": note.message},
        )
    return visit, outcome


async def correct_visit(
    session: AsyncSession,
    *,
    visit_id: int,
    reason: str,
    now: datetime,
    notes: str | None = None,
    inquiry_kind: InquiryKind | None = None,
    party_size: int | None = None,
    customer_id: int | None = None,
    counted: bool | None = None,
    decision: Reason | None = None,
) -> Visit:
    """C-4: a correction is a new register entry that references the entry it corrects."""
    original = await session.get(Visit, visit_id)
    if original is None:
        raise NotFound(f"visit {visit_id} does not exist", code="VISIT_NOT_FOUND")
    if not reason.strip():
        raise InvalidInput("say why the entry is corrected (reason)", code="REASON_REQUIRED")
    newer = await session.scalar(select(Visit.id).where(Visit.corrects_id == visit_id))
    if newer is not None:
        raise Conflict(
            f"visit {visit_id} was already corrected by entry {newer}; correct that one",
            code="ALREADY_CORRECTED",
            visit_id=newer,
        )
    if party_size is not None and not 1 <= party_size <= MAX_PARTY_SIZE:
        raise InvalidInput("partySize out of range", code="INVALID_PARTY_SIZE")
    if customer_id is not None:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.site_id != original.site_id:
            raise NotFound(f"customer {customer_id} not at this site", code="CUSTOMER_NOT_FOUND")
    correction = Visit(
        site_id=original.site_id,
        customer_id=customer_id if customer_id is not None else original.customer_id,
        channel=original.channel,
        inquiry_kind=inquiry_kind or original.inquiry_kind,
        visitor_kind=original.visitor_kind,
        arrived_at=original.arrived_at,
        business_date=original.business_date,
        party_size=party_size or original.party_size,
        named_staff_id=original.named_staff_id,
        receiver_id=original.receiver_id,
        counted=original.counted if counted is None else counted,
        decision_rule=decision.rule if decision else "C-4",
        decision_reason=(
            f"correction of entry {original.id}: {decision.message if decision else reason.strip()}"
        ),
        notes=notes if notes is not None else original.notes,
        corrects_id=original.id,
        recorded_at=now,
    )
    session.add(correction)
    await session.flush()
    await record_event(
        session,
        stream="visits",
        type="visit.corrected",
        now=now,
        site_id=original.site_id,
        subject_id=correction.id,
        payload={"corrects": original.id, "reason": reason.strip()},
    )
    return correction
