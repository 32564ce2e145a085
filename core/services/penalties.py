"""The penalty ledger: issue from a site's penalty table, revoke with a new entry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.contracts import PenaltyBounds
from core.errors import Conflict, InvalidInput, NotFound, PluginError
from core.events import record_event
from core.models import Penalty, PenaltyKind, PenaltyRule, Site, Staff
from core.penalties import CORE_CODES, PenaltyRuleSpec, check_amount, core_specs
from core.plugins import PluginHost
from core.services.plugin_settings import load_settings


def penalty_specs(
    host: PluginHost,
    line: str,
    settings: Mapping[str, Mapping[str, Any]],
    *,
    include_disabled: bool = False,
) -> list:
    """The penalty table of ``line`` as its plugin gives it, with the operators' settings."""
    table = host.call_line(
        line,
        "frontdesk_penalty_table",
        include_disabled=include_disabled,
        business_line=line,
        settings=settings,
    )
    own = list(table or ())
    clash = sorted(spec.code for spec in own if spec.code in CORE_CODES)
    if clash:
        raise PluginError(
            f"the {line} penalty table declares {', '.join(clash)}: C-14 entries belong to "
            "core (and C-3's); adjust their bounds with frontdesk_c14_bounds",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    # C-14 belongs to core: every line's table has it, with the bounds the line adjusted.
    bounds = host.chain(
        "frontdesk_c14_bounds",
        PenaltyBounds(),
        line=line,
        include_disabled=include_disabled,
        business_line=line,
        settings=settings,
    )
    return [*own, *core_specs(bounds)]


async def sync_penalty_table(
    session: AsyncSession, host: PluginHost, line: str, *, include_disabled: bool = False
) -> list[PenaltyRule]:
    """Bring ``penalty_rules`` for ``line`` in line with the plugin's policy data.

    Rules that left the table are deactivated, never deleted: issued penalties keep pointing
    at them.
    """
    settings = await load_settings(session)
    specs = {
        s.code: s for s in penalty_specs(host, line, settings, include_disabled=include_disabled)
    }
    existing = {
        r.code: r
        for r in (
            await session.scalars(select(PenaltyRule).where(PenaltyRule.business_line == line))
        ).all()
    }
    for code, spec in specs.items():
        row = existing.get(code)
        if row is None:
            row = PenaltyRule(business_line=line, code=code)
            session.add(row)
            existing[code] = row
        row.rule = spec.rule
        row.title = spec.title
        row.kind = PenaltyKind(spec.kind)
        row.min_amount = spec.min_amount
        row.max_amount = spec.max_amount
        row.active = True
    for code, row in existing.items():
        if code not in specs:
            row.active = False
    await session.flush()
    return [existing[c] for c in specs]


def _spec_of(rule: PenaltyRule) -> PenaltyRuleSpec:
    return PenaltyRuleSpec(
        code=rule.code,
        rule=rule.rule,
        title=rule.title,
        kind=str(rule.kind.value if hasattr(rule.kind, "value") else rule.kind),
        min_amount=rule.min_amount,
        max_amount=rule.max_amount,
    )


async def issue_penalty(
    session: AsyncSession,
    *,
    site_id: int,
    staff_id: int,
    rule_code: str,
    amount: Decimal | None,
    reason: str,
    issued_by_id: int | None,
    now: datetime,
    complaint_id: int | None = None,
    visit_id: int | None = None,
) -> Penalty:
    """Issue a penalty under a rule of the site's penalty table (amount within its bounds)."""
    site = await session.get(Site, site_id)
    if site is None:
        raise NotFound(f"site {site_id} does not exist", code="SITE_NOT_FOUND")
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.site_id != site_id:
        raise NotFound(f"staff {staff_id} does not work at site {site_id}", code="STAFF_NOT_FOUND")
    rule = await session.scalar(
        select(PenaltyRule).where(
            PenaltyRule.business_line == site.business_line,
            PenaltyRule.code == rule_code,
            PenaltyRule.active.is_(True),
        )
    )
    if rule is None:
        codes = (
            await session.scalars(
                select(PenaltyRule.code).where(
                    PenaltyRule.business_line == site.business_line,
                    PenaltyRule.active.is_(True),
                )
            )
        ).all()
        raise NotFound(
            f"the {site.business_line} penalty table has no rule {rule_code!r}; "
            f"choose one of: {', '.join(sorted(codes)) or 'none (is the line enabled?)'}",
            code="PENALTY_RULE_NOT_FOUND",
        )
    if not reason.strip():
        raise InvalidInput("say why the penalty is issued (reason)", code="REASON_REQUIRED")
    if issued_by_id is not None and await session.get(Staff, issued_by_id) is None:
        raise NotFound(f"issuer {issued_by_id} does not exist", code="STAFF_NOT_FOUND")
    issued_amount = check_amount(_spec_of(rule), amount)
    penalty = Penalty(
        site_id=site_id,
        staff_id=staff_id,
        penalty_rule_id=rule.id,
        amount=issued_amount,
        reason=reason.strip(),
        issued_by_id=issued_by_id,
        issued_at=now,
        complaint_id=complaint_id,
        visit_id=visit_id,
    )
    session.add(penalty)
    await session.flush()
    await record_event(
        session,
        stream="penalties",
        type="penalty.issued",
        now=now,
        site_id=site_id,
        subject_id=penalty.id,
        payload={
            "staff_id": staff_id,
            "rule": rule.rule,
            "code": rule.code,
            "amount": str(issued_amount) if issued_amount is not None else None,
        },
    )
    return penalty


async def revoke_penalty(
    session: AsyncSession,
    *,
    penalty_id: int,
    reason: str,
    issued_by_id: int | None,
    now: datetime,
) -> Penalty:
    """Revoke a penalty by a new ledger entry that references it (the original stays)."""
    original = await session.get(Penalty, penalty_id)
    if original is None:
        raise NotFound(f"penalty {penalty_id} does not exist", code="PENALTY_NOT_FOUND")
    if original.revokes_id is not None:
        raise InvalidInput(
            f"penalty {penalty_id} is itself a revocation; it cannot be revoked",
            code="CANNOT_REVOKE_REVOCATION",
        )
    already = await session.scalar(select(Penalty.id).where(Penalty.revokes_id == penalty_id))
    if already is not None:
        raise Conflict(
            f"penalty {penalty_id} was already revoked by entry {already}",
            code="PENALTY_ALREADY_REVOKED",
        )
    if not reason.strip():
        raise InvalidInput("say why the penalty is revoked (reason)", code="REASON_REQUIRED")
    revocation = Penalty(
        site_id=original.site_id,
        staff_id=original.staff_id,
        penalty_rule_id=original.penalty_rule_id,
        amount=original.amount,
        reason=reason.strip(),
        issued_by_id=issued_by_id,
        issued_at=now,
        revokes_id=original.id,
    )
    session.add(revocation)
    await session.flush()
    await record_event(
        session,
        stream="penalties",
        type="penalty.revoked",
        now=now,
        site_id=original.site_id,
        subject_id=revocation.id,
        payload={"revokes": original.id},
    )
    return revocation
