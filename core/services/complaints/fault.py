"""C-14 fault and fines: verifying that a complaint was caused by a staff member's service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.contracts import ComplaintFines
from core.decisions import Reason
from core.errors import Conflict, InvalidInput
from core.models import (
    Complaint,
    ComplaintAction,
    Penalty,
)
from core.penalties import (
    C14_COMPENSATION_CODE,
    C14_MANAGER_CODE,
    C14_STAFF_CODE,
    C14Charge,
    c14_charges,
)
from core.plugins import PluginHost
from core.services.complaints.common import _actor, _aware, _check_order, _lock_complaint, _record
from core.services.directory import get_site, get_staff_at
from core.services.penalties import issue_penalty


@dataclass(frozen=True)
class FaultVerification:
    complaint: Complaint
    penalties: tuple[Penalty, ...]
    decision: Reason


__all__ = ["C14_MANAGER_CODE", "C14_STAFF_CODE", "FaultVerification", "verify_complaint_fault"]


def _money(amount: Decimal | None) -> str | None:
    # As the ledger stores it (Numeric(12, 2)): 300 → "300.00".
    return None if amount is None else f"{amount:.2f}"


def _checked_charges(replaced: object) -> list[C14Charge]:
    """A line's replacement of the C-14 charges: a list of ``ComplaintCharge``."""
    if not isinstance(replaced, list | tuple) or not all(
        isinstance(c, C14Charge) and c.charged in ("staff", "manager") for c in replaced
    ):
        raise InvalidInput(
            "the line's frontdesk_complaint_fines answered something other than a list of "
            "ComplaintCharge (charged 'staff' or 'manager')",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    return list(replaced)


async def verify_complaint_fault(
    session: AsyncSession,
    *,
    complaint_id: int,
    staff_id: int,
    fine_amount: Decimal | None,
    reason: str,
    actor_staff_id: int,
    now: datetime,
    manager_id: int | None = None,
    manager_fine_amount: Decimal | None = None,
    compensation_amount: Decimal | None = None,
    compensation_reason: str | None = None,
    host: PluginHost | None = None,
) -> FaultVerification:
    """C-14: the complaint was caused by ``staff_id``'s service.  Fines them (and the site's
    first-responsible manager, when given) from the site's penalty table, in this
    transaction, with the complaint as the penalties' reason; a financial loss
    (``compensation_amount`` with ``compensation_reason``) is charged to the person as a
    C-14 compensation entry alongside the fines.  The site's line may replace these entries
    (``frontdesk_complaint_fines``, e.g. KTV-6's attitude fine).  Amounts outside the table's
    bounds raise ``PENALTY_AMOUNT_OUT_OF_RANGE`` and, the transaction rolling back, nothing
    is written."""
    _aware(now, "now")
    complaint = await _lock_complaint(session, complaint_id)
    actor = await _actor(session, actor_staff_id, complaint.site_id)
    _check_order(complaint, now)
    why = (reason or "").strip()
    if complaint.staff_at_fault_id is not None:
        raise Conflict(
            f"complaint {complaint.number} was already verified as staff "
            f"{complaint.staff_at_fault_id}'s fault; revoke its penalties to correct it",
            code="FAULT_ALREADY_VERIFIED",
        )
    if manager_id is not None and manager_id == staff_id:
        raise InvalidInput(
            "the staff member at fault cannot also be fined as their own first-responsible manager",
            code="MANAGER_IS_STAFF_AT_FAULT",
            field="managerId",
        )
    staff = await get_staff_at(session, staff_id, complaint.site_id, "staffId")
    manager = None
    if manager_id is not None:
        manager = await get_staff_at(session, manager_id, complaint.site_id, "managerId")
    # C-14 (pure): which entries, each with its reason; the amounts' bounds are the table's.
    charges = c14_charges(
        complaint_number=complaint.number,
        staff_name=staff.name,
        why=why,
        fine=fine_amount,
        manager_name=manager.name if manager is not None else None,
        manager_fine=manager_fine_amount,
        loss=compensation_amount,
        loss_reason=compensation_reason,
    )
    if host is not None:
        site = await get_site(session, complaint.site_id)
        replaced = await host.acall_line(
            site.business_line,
            "frontdesk_complaint_fines",
            context=ComplaintFines(
                session=session,
                site=site,
                complaint_id=complaint.id,
                complaint_number=complaint.number,
                category=complaint.category,
                staff_id=staff.id,
                manager_id=manager.id if manager is not None else None,
                charges=tuple(charges),
                now=now,
            ),
        )
        if replaced is not None:
            charges = _checked_charges(replaced)
    issued: list[Penalty] = []
    for charge in charges:
        charged = manager if charge.charged == "manager" and manager is not None else staff
        issued.append(
            await issue_penalty(
                session,
                site_id=complaint.site_id,
                staff_id=charged.id,
                rule_code=charge.code,
                amount=charge.amount,
                reason=f"{charge.reason.rule}: {charge.reason.message}",
                issued_by_id=actor.id,
                now=now,
                complaint_id=complaint.id,
            )
        )
    complaint.staff_at_fault_id = staff.id
    complaint.fault_verified_at = now
    complaint.fault_verified_by_id = actor.id
    complaint.updated_at = now
    amounts = [_money(p.amount) for p in issued]
    parts = []
    for charge, amount in zip(charges, amounts, strict=True):
        who = manager if charge.charged == "manager" and manager is not None else staff
        if charge.code == C14_COMPENSATION_CODE:
            parts.append(
                f"{who.name} charged {amount} CNY compensation for the financial loss "
                f"({(compensation_reason or '').strip()})"
            )
        elif charge.charged == "manager":
            parts.append(f"first-responsible manager {who.name} fined {amount} CNY")
        elif charge.code == C14_STAFF_CODE:
            parts.append(f"{who.name} fined {amount} CNY")
        else:
            # A line's entry in place of C-14's (frontdesk_complaint_fines): its rule and why.
            parts.append(f"{who.name} fined {amount} CNY ({charge.reason})")
    fined = ", ".join(parts)
    decision = Reason(
        "C-14",
        f"{actor.name} verified that complaint {complaint.number} was caused by {staff.name}'s "
        f"service; {fined}: {why}",
    )
    await _record(
        session,
        complaint,
        event_type="complaint.fault_verified",
        action=ComplaintAction.FAULT_VERIFIED,
        reason=decision,
        now=now,
        actor=actor,
        note=why,
        to_value=str(staff.id),
        payload={
            "staff_id": staff.id,
            "manager_id": manager.id if manager else None,
            "penalty_ids": [p.id for p in issued],
            "amounts": amounts,
            "codes": [c.code for c in charges],
        },
    )
    return FaultVerification(complaint=complaint, penalties=tuple(issued), decision=decision)
