"""C-5 / C-6 / C-7: filing and numbering a complaint, with the line's policy (PM-4 / PM-5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from core.complaint_rules import (
    DEFAULT_TARGETS,
    ComplaintChannel,
    ComplaintStatus,
    ComplaintTargets,
    EscalationLevel,
    compute_deadlines,
    format_complaint_number,
    validate_channel_details,
)
from core.contracts import ComplaintPolicy, Notification
from core.decisions import Reason
from core.errors import InvalidInput, NotFound, PluginError
from core.events import record_event
from core.models import (
    Complaint,
    ComplaintAction,
    ComplaintSerial,
    Customer,
    Visit,
)
from core.plugins import PluginHost
from core.services.complaints.common import _aware, _due_payload, _record, site_calendar
from core.services.directory import get_site, get_staff_at
from core.services.plugin_settings import load_settings

MAX_FLAGS: Final = 20
MAX_FLAG_LENGTH: Final = 32
MAX_CATEGORY_LENGTH: Final = 64

DEFAULT_POLICY_REASON: Final = Reason(
    "C-11",
    f"general complaint: first response within "
    f"{DEFAULT_TARGETS.first_response // timedelta(hours=1)} hours (C-8), resolved within "
    f"{DEFAULT_TARGETS.resolution_working_days} working days of the site's calendar, at most "
    f"{DEFAULT_TARGETS.special_case_max_working_days} for special cases, revisited within "
    f"{DEFAULT_TARGETS.revisit_days} days of the fix",
)


@dataclass(frozen=True)
class ComplaintFiling:
    """The facts of a complaint as taken at the desk (C-5, C-7)."""

    site_id: int
    channel: ComplaintChannel | str
    category: str
    description: str
    # C-7: when the complaint was received and who took it; the filing time (and so the
    # number's month, the deadlines and the statistics period) is ``received_at``.
    received_at: datetime
    taken_by_id: int
    caller_company: str | None = None
    caller_name: str | None = None
    customer_name: str | None = None
    customer_id: int | None = None
    visit_id: int | None = None
    # PM-4 facts for the line's policy.
    households: int | None = None
    flags: Sequence[str] = ()
    handler_id: int | None = None
    # C-11: a complaint made during consumption — the time the customer asks it be handled by.
    customer_requested_by: datetime | None = None


@dataclass(frozen=True)
class FiledComplaint:
    complaint: Complaint
    decision: Reason
    notifications: tuple[Notification, ...] = ()


def targets_from_policy(policy: ComplaintPolicy | None) -> tuple[ComplaintTargets, Reason, bool]:
    """Targets, the reason for them and whether to report at once, from a line's answer to
    ``frontdesk_complaint_policy`` (None: the C-8 / C-11 defaults, general severity)."""
    if policy is None:
        return DEFAULT_TARGETS, DEFAULT_POLICY_REASON, False
    try:
        if policy.first_response % timedelta(minutes=1):
            raise ValueError("first_response must be a whole number of minutes")
        targets = ComplaintTargets(
            first_response=policy.first_response,
            resolution_working_days=policy.resolution_working_days,
            special_case_max_working_days=max(
                DEFAULT_TARGETS.special_case_max_working_days, policy.resolution_working_days
            ),
            revisit_days=policy.revisit_days or DEFAULT_TARGETS.revisit_days,
            severity=policy.severity,  # type: ignore[arg-type]
            progress_interval=policy.progress_interval,
        )
        if policy.progress_interval % timedelta(minutes=1):
            raise ValueError("progress_interval must be a whole number of minutes")
    except (TypeError, ValueError) as exc:
        raise PluginError(
            f"the business line's complaint policy is invalid ({exc}); fix the plugin's "
            "policy data",
            code="INVALID_COMPLAINT_POLICY",
        ) from exc
    return targets, policy.reason, policy.notify_immediately


def _required_text(value: str | None, field_name: str, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field_name} must not be empty", code="REQUIRED", field=field_name)
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(
            f"{field_name} is longer than {max_length} characters",
            code="TOO_LONG",
            field=field_name,
        )
    return text


def _optional_text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _flags(raw: Sequence[str]) -> list[str]:
    out: list[str] = []
    for flag in raw:
        text = (flag or "").strip().lower()
        if not text:
            continue
        if len(text) > MAX_FLAG_LENGTH:
            raise InvalidInput(
                f"flag {text[:40]!r} is longer than {MAX_FLAG_LENGTH} characters",
                code="INVALID_FLAG",
                field="flags",
            )
        if text not in out:
            out.append(text)
    if len(out) > MAX_FLAGS:
        raise InvalidInput(f"at most {MAX_FLAGS} flags", code="INVALID_FLAG", field="flags")
    return out


async def allocate_serial(session: AsyncSession, site_id: int, period: date) -> int:
    """The next C-6 serial of ``site_id`` in the month starting ``period``.

    One statement that inserts the month's counter at 1 or increments it, returning the new
    value; the row stays locked until the filing transaction ends, so concurrent filings at
    one site get consecutive serials and a rolled-back filing leaves no gap.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the two supported backends are above
        raise NotImplementedError(f"complaint numbering does not support {dialect}")
    stmt = (
        insert(ComplaintSerial)
        .values(site_id=site_id, period=period, last_serial=1)
        .on_conflict_do_update(
            index_elements=[ComplaintSerial.site_id, ComplaintSerial.period],
            set_={"last_serial": ComplaintSerial.last_serial + 1},
        )
        .returning(ComplaintSerial.last_serial)
    )
    return int((await session.execute(stmt)).scalar_one())


async def file_complaint(
    session: AsyncSession, host: PluginHost, filing: ComplaintFiling, now: datetime
) -> FiledComplaint:
    """File a complaint: validate the channel's details (C-7), ask the site's line for the
    severity and targets (``frontdesk_complaint_policy``; PM-4 / PM-5), number it in the
    site's local month (C-6) and store its deadlines (C-8 / C-11)."""
    _aware(now, "now")
    site = await get_site(session, filing.site_id)
    if site.business_line not in host.enabled_lines():
        raise InvalidInput(
            f"site {site.id} belongs to the disabled business line {site.business_line!r}; "
            "enable the line to file complaints there",
            code="BUSINESS_LINE_DISABLED",
        )
    received_at = _aware(filing.received_at, "receivedAt")
    if received_at > now:
        raise InvalidInput(
            f"receivedAt {received_at.isoformat()} is in the future",
            code="RECEIVED_IN_FUTURE",
            field="receivedAt",
        )
    requested_by = filing.customer_requested_by
    if requested_by is not None and _aware(requested_by, "customerRequestedBy") <= received_at:
        raise InvalidInput(
            f"customerRequestedBy {requested_by.isoformat()} is not after the complaint was "
            f"received ({received_at.isoformat()}): the time the customer asks for (C-11) is "
            "a time to come",
            code="REQUESTED_TIME_NOT_AFTER_FILING",
            field="customerRequestedBy",
        )
    category = _required_text(filing.category, "category", MAX_CATEGORY_LENGTH)
    description = _required_text(filing.description, "description")
    taken_by = await get_staff_at(session, filing.taken_by_id, site.id, "takenById")
    customer = None
    visit = None
    customer_id = filing.customer_id
    if filing.visit_id is not None:
        visit = await session.get(Visit, filing.visit_id)
        if visit is None or visit.site_id != site.id:
            raise NotFound(
                f"visit {filing.visit_id} is not in the register of site {site.id}",
                code="VISIT_NOT_FOUND",
                field="visitId",
            )
        if customer_id is None:
            customer_id = visit.customer_id
        elif visit.customer_id is not None and visit.customer_id != customer_id:
            raise InvalidInput(
                f"visit {visit.id} is customer {visit.customer_id}'s, not customer {customer_id}'s",
                code="VISIT_CUSTOMER_MISMATCH",
                field="customerId",
            )
    if customer_id is not None:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.site_id != site.id:
            raise NotFound(
                f"customer {customer_id} is not registered at site {site.id}",
                code="CUSTOMER_NOT_FOUND",
                field="customerId",
            )
    handler = None
    if filing.handler_id is not None:
        handler = await get_staff_at(session, filing.handler_id, site.id, "handlerId")
    if filing.households is not None and filing.households < 1:
        raise InvalidInput(
            "households must be at least 1", code="INVALID_HOUSEHOLDS", field="households"
        )
    flags = _flags(filing.flags)
    details: dict[str, Any] = {
        "caller_company": _optional_text(filing.caller_company),
        "caller_name": _optional_text(filing.caller_name),
        "customer_name": _optional_text(filing.customer_name)
        or (customer.name if customer is not None else None),
        "received_at": received_at,
        "taken_by": taken_by.id,
    }
    details = {k: v for k, v in details.items() if v is not None}
    validate_channel_details(filing.channel, details)  # C-7: names every missing detail
    channel = ComplaintChannel(filing.channel)

    facts = {
        "category": category,
        "description": description,
        "channel": channel.value,
        "households": filing.households,
        "flags": list(flags),
        "customer_id": customer.id if customer else None,
        "visit_id": visit.id if visit else None,
        "received_at": received_at,
    }
    policy = await host.acall_line(
        site.business_line,
        "frontdesk_complaint_policy",
        site=site,
        complaint=facts,
        settings=await load_settings(session),
    )
    targets, policy_reason, notify = targets_from_policy(policy)

    calendar = site_calendar(site)
    deadlines = compute_deadlines(
        received_at, targets, calendar, customer_requested_by=requested_by
    )
    local_day = calendar.local_date(received_at)
    serial = await allocate_serial(session, site.id, local_day.replace(day=1))
    number = format_complaint_number(local_day, serial)  # C-6: the site's local month
    complaint = Complaint(
        site_id=site.id,
        number=number,
        customer_id=customer.id if customer else None,
        visit_id=visit.id if visit else None,
        channel=channel.value,
        channel_details={**details, "received_at": received_at.isoformat()},
        category=category,
        severity=targets.severity,
        status=ComplaintStatus.RECEIVED.value,
        description=description,
        filed_at=received_at,
        handler_id=handler.id if handler else None,
        escalation_level=int(EscalationLevel.HANDLER),
        households=filing.households,
        flags=flags,
        policy_rule=policy_reason.rule,
        policy_reason=policy_reason.message,
        first_response_minutes=targets.first_response // timedelta(minutes=1),
        resolution_working_days=targets.resolution_working_days,
        special_case_working_days=targets.special_case_max_working_days,
        revisit_days=targets.revisit_days,
        progress_interval_minutes=targets.progress_interval // timedelta(minutes=1),
        customer_requested_by=requested_by,
        recorded_at=now,
        updated_at=now,
        cycle=1,
        cycle_started_at=received_at,
        first_response_due=deadlines.first_response_due,
        resolution_due=deadlines.resolution_due,
        special_case_due=deadlines.special_case_due,
        revisit_due=None,
    )
    session.add(complaint)
    await session.flush()
    channel_label = channel.value.replace("_", " ")
    decision = Reason(
        policy_reason.rule,
        f"complaint {number} ({channel_label}) is {targets.severity}: {policy_reason.message}",
    )
    if requested_by is not None:
        # C-11: made during consumption — handled within the time the customer asked for.
        decision = Reason(
            "C-11",
            f"{decision.message}; made during consumption, it is to be handled by the time "
            f"the customer asked for: {calendar.local(requested_by).isoformat()}",
        )
    await _record(
        session,
        complaint,
        event_type="complaint.filed",
        action=ComplaintAction.FILED,
        reason=Reason(decision.rule, f"{taken_by.name} took the complaint; {decision.message}"),
        now=now,
        actor=taken_by,
        to_value=ComplaintStatus.RECEIVED.value,
        payload={
            "severity": targets.severity,
            "category": category,
            "channel": channel.value,
            "handler_id": complaint.handler_id,
            **_due_payload(complaint),
        },
    )
    notifications: tuple[Notification, ...] = ()
    if notify:
        # PM-4: a major complaint is reported at once to the department manager and the
        # centre's leadership; the event is the report.
        note = Notification(
            kind="complaint.report_immediately",
            rule=policy_reason.rule,
            message=f"report complaint {number} at once: {policy_reason.message}",
        )
        await record_event(
            session,
            stream="notifications",
            type=note.kind,
            now=now,
            site_id=site.id,
            subject_id=complaint.id,
            payload={"rule": note.rule, "message": note.message, "number": number},
        )
        notifications = (note,)
    return FiledComplaint(complaint=complaint, decision=decision, notifications=notifications)
