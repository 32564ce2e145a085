"""Property services through the kit (SQLite; PostgreSQL when FRONTDESK_TEST_POSTGRES_URL is
set): PM-1 visitor register with the night duty roster, PM-4/PM-5 through core's complaint
policy hook, PM-6 handling steps, PM-5 revisits, PM-8 repair orders, PM-9 points, hooks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.errors import FrontdeskError
from core.plugin_api import PenaltyRule
from core.services.attendance import issue_points, month_points
from core.services.complaints.filing import ComplaintFiling, file_complaint
from core.services.workforce import schedule_shift
from plugins.property import service

pytestmark = pytest.mark.asyncio


# The line is built in (core.plugins.DEFAULT_PLUGINS): enable it alone (a conftest.py here
# would shadow tests/conftest.py for modules that import from it).
@pytest.fixture
def frontdesk_lines() -> tuple[str, ...]:
    return ("property",)


SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


async def _project(app: Any, make_site: Any, make_staff: Any) -> dict[str, Any]:
    site = await make_site("Harbour Court")
    desk = await make_staff(site, "Desk Li", role="customer_service")
    night = await make_staff(site, "Night Wang", role="night_duty_manager")
    tech = await make_staff(site, "Tech Zhou", role="technician")
    now = sh(2026, 12, 1, 9)
    async with app.write() as session:
        unit = await service.add_unit(
            session, site_id=site.id, building="A", number="1201", now=now
        )
        resident = await service.add_resident(
            session, site_id=site.id, unit_id=unit.id, name="Chen Mei", phone="13800138000", now=now
        )
        await schedule_shift(
            session,
            app.host,
            staff_id=night.id,
            business_date=date(2026, 12, 1),
            start=time(20),
            end=time(8),
            duty_role="night_duty_manager",
            now=now,
        )
    return {
        "site": site,
        "desk": desk,
        "night": night,
        "tech": tech,
        "unit": unit,
        "resident": resident,
    }


async def _register(app: Any, p: dict[str, Any], registrar: Any, at: datetime, **kw: Any) -> Any:
    args = {
        "site_id": p["site"].id,
        "unit_id": p["unit"].id,
        "resident_id": p["resident"].id,
        "visitor_name": "Visitor Zhao",
        "contact_method": "intercom",
        "resident_confirmed": True,
        "registrar_id": registrar.id,
        "now": at,
    } | kw
    async with app.write() as session:
        return await service.register_visitor(session, **args)


async def test_PM_1_night_register_by_the_rostered_night_duty_manager(
    frontdesk_app: Any, make_site: Any, make_staff: Any
) -> None:
    p = await _project(frontdesk_app, make_site, make_staff)
    row, reason = await _register(frontdesk_app, p, p["desk"], sh(2026, 12, 1, 19, 59))
    assert not row.night_duty and reason.rule == "PM-1"
    with pytest.raises(FrontdeskError) as refused:
        await _register(frontdesk_app, p, p["desk"], sh(2026, 12, 1, 20, 0))
    assert refused.value.code == "NIGHT_DUTY_ONLY" and "PM-1" in refused.value.message
    row, reason = await _register(frontdesk_app, p, p["night"], sh(2026, 12, 2, 7, 59))
    assert row.night_duty and "night duty manager" in reason.message
    # 08:00: the shift is over and so is the window; the desk registers again.
    row, _ = await _register(frontdesk_app, p, p["desk"], sh(2026, 12, 2, 8, 0))
    assert not row.night_duty
    # The night duty manager without a shift the next night is refused (not on the roster).
    with pytest.raises(FrontdeskError) as off_roster:
        await _register(frontdesk_app, p, p["night"], sh(2026, 12, 2, 21, 0))
    assert off_roster.value.code == "NIGHT_DUTY_ONLY"


async def test_PM_1_resident_contact_and_confirmation_required(
    frontdesk_app: Any, make_site: Any, make_staff: Any
) -> None:
    p = await _project(frontdesk_app, make_site, make_staff)
    with pytest.raises(FrontdeskError) as missing:
        await _register(frontdesk_app, p, p["desk"], sh(2026, 12, 1, 10), contact_method=None)
    assert missing.value.code == "RESIDENT_NOT_CONTACTED" and "PM-1" in missing.value.message
    with pytest.raises(FrontdeskError) as unconfirmed:
        await _register(frontdesk_app, p, p["desk"], sh(2026, 12, 1, 10), resident_confirmed=False)
    assert unconfirmed.value.code == "RESIDENT_NOT_CONFIRMED"


async def _file(app: Any, p: dict[str, Any], category: str, households: int, at: datetime) -> Any:
    async with app.write() as session:
        filed = await file_complaint(
            session,
            app.host,
            ComplaintFiling(
                site_id=p["site"].id,
                channel="in_person",
                category=category,
                description="a complaint",
                received_at=at,
                taken_by_id=p["desk"].id,
                customer_name="Chen Mei",
                households=households,
            ),
            at,
        )
        return filed


async def test_PM_4_PM_5_complaint_policy_through_core(
    frontdesk_app: Any, make_site: Any, make_staff: Any
) -> None:
    p = await _project(frontdesk_app, make_site, make_staff)
    lift = await _file(frontdesk_app, p, "lift_entrapment", 1, sh(2026, 12, 4, 10))
    assert lift.complaint.severity == "major" and lift.decision.rule == "PM-4"
    assert lift.complaint.resolution_working_days == 1 and lift.complaint.revisit_days == 7
    assert lift.notifications, "PM-4: a major complaint is reported at once"
    two = await _file(frontdesk_app, p, "noise", 2, sh(2026, 12, 4, 10))
    assert two.complaint.severity == "general" and two.complaint.resolution_working_days == 3
    three = await _file(frontdesk_app, p, "noise", 3, sh(2026, 12, 4, 10))
    assert three.complaint.severity == "major" and "collective" in three.decision.message


async def test_PM_6_close_refused_while_a_step_is_missing_PM_5_signed_revisit(
    frontdesk_app: Any, make_site: Any, make_staff: Any
) -> None:
    p = await _project(frontdesk_app, make_site, make_staff)
    filed = await _file(frontdesk_app, p, "flooding", 1, sh(2026, 12, 4, 10))
    cid, at = filed.complaint.id, sh(2026, 12, 4, 10, 5)
    async with frontdesk_app.write() as session:
        for step in ("listen", "ask", "follow"):
            await service.record_handling_step(
                session, complaint_id=cid, step=step, staff_id=p["desk"].id, now=at
            )
        with pytest.raises(FrontdeskError) as no_time:
            await service.record_handling_step(
                session, complaint_id=cid, step="reply", staff_id=p["desk"].id, now=at
            )
        assert no_time.value.code == "INVALID_HANDLING_STEP" and "PM-6" in no_time.value.message
    async with frontdesk_app.write() as session:
        await service.record_handling_step(
            session,
            complaint_id=cid,
            step="reply",
            staff_id=p["desk"].id,
            now=at,
            next_reply_at=at + timedelta(hours=4),
        )
        await service.record_handling_step(
            session,
            complaint_id=cid,
            step="record",
            staff_id=p["desk"].id,
            now=at,
            customer_confirmed=True,
        )
        verdict = await service.close_decision(session, complaint_id=cid)
        assert not verdict.allowed and verdict.reason.rule == "PM-6"
        assert "report" in verdict.reason.message  # a major complaint needs the report
        await service.record_handling_step(
            session, complaint_id=cid, step="report", staff_id=p["desk"].id, now=at
        )
        assert (await service.close_decision(session, complaint_id=cid)).allowed
        with pytest.raises(FrontdeskError) as twice:
            await service.record_handling_step(
                session, complaint_id=cid, step="report", staff_id=p["desk"].id, now=at
            )
        assert twice.value.code == "STEP_RECORDED"
    async with frontdesk_app.write() as session:
        with pytest.raises(FrontdeskError) as unfixed:
            await service.record_revisit(
                session,
                complaint_id=cid,
                staff_id=p["desk"].id,
                revisited_at=sh(2026, 12, 7, 10),
                signed_by="Chen Mei",
                satisfaction="satisfied",
                now=sh(2026, 12, 7, 10),
            )
        assert unfixed.value.code == "NOT_FIXED"
        complaint = await session.get(type(filed.complaint), cid)
        complaint.resolved_at = sh(2026, 12, 7, 16)  # fixed on Monday (setup)
    async with frontdesk_app.write() as session:
        with pytest.raises(FrontdeskError) as unsigned:
            await service.record_revisit(
                session,
                complaint_id=cid,
                staff_id=p["desk"].id,
                revisited_at=sh(2026, 12, 14, 23, 59),
                signed_by="",
                satisfaction="satisfied",
                now=sh(2026, 12, 14, 23, 59),
            )
        assert unsigned.value.code == "SIGNATURE_REQUIRED" and "PM-5" in unsigned.value.message
        row, reason = await service.record_revisit(
            session,
            complaint_id=cid,
            staff_id=p["desk"].id,
            revisited_at=sh(2026, 12, 14, 23, 59),
            signed_by="Chen Mei",
            satisfaction="satisfied",
            now=sh(2026, 12, 14, 23, 59),
        )
        assert row.in_time and reason.rule == "PM-5"


async def test_PM_8_repair_order_late_arrival_fee_signature_and_rates(
    frontdesk_app: Any, make_site: Any, make_staff: Any
) -> None:
    p = await _project(frontdesk_app, make_site, make_staff)
    agreed = sh(2026, 12, 2, 14)
    ids = []
    async with frontdesk_app.write() as session:
        for _ in range(2):
            order = await service.schedule_repair(
                session,
                site_id=p["site"].id,
                unit_id=p["unit"].id,
                technician_id=p["tech"].id,
                speciality="plumbing",
                agreed_at=agreed,
                now=sh(2026, 12, 2, 9),
            )
            ids.append(order.id)
        on_time, r1 = await service.record_arrival(
            session,
            order_id=ids[0],
            arrived_at=agreed + timedelta(minutes=10),
            now=agreed + timedelta(hours=1),
        )
        late, r2 = await service.record_arrival(
            session,
            order_id=ids[1],
            arrived_at=agreed + timedelta(minutes=11),
            now=agreed + timedelta(hours=1),
        )
        assert on_time.on_time and r1.rule == "PM-8"
        assert late.on_time is False and "late" in r2.message
        with pytest.raises(FrontdeskError) as unagreed:
            await service.start_repair(
                session, order_id=ids[0], fee_quoted="80", fee_accepted=False, now=agreed
            )
        assert unagreed.value.code == "WORK_NOT_AGREED" and "PM-8" in unagreed.value.message
        started = await service.start_repair(
            session, order_id=ids[0], fee_quoted="80", fee_accepted=True, now=agreed
        )
        assert started.fee_quoted == Decimal("80.00")
        with pytest.raises(FrontdeskError) as unsigned:
            await service.complete_repair(session, order_id=ids[0], signed_by=None, now=agreed)
        assert unsigned.value.code == "SIGNATURE_REQUIRED"
        await service.complete_repair(
            session,
            order_id=ids[0],
            signed_by="Chen Mei",
            fee_lines=[{"item": "washer", "amount": "80.00"}],
            now=agreed + timedelta(hours=1),
        )
        await service.spot_check_repair(session, order_id=ids[0], passed=True, now=agreed)
        (rates,) = await service.repair_rates_for(
            session, site_id=p["site"].id, month=date(2026, 12, 1)
        )
    assert (rates.arrivals, rates.on_time, rates.on_time_rate) == (2, 1, Decimal("0.5000"))
    assert (rates.spot_checked, rates.pass_rate) == (1, Decimal("1.0000"))


async def test_PM_9_points_through_core_ledger_with_the_line_policy(
    frontdesk_app: Any, make_site: Any, make_staff: Any
) -> None:
    p = await _project(frontdesk_app, make_site, make_staff)
    async with frontdesk_app.write() as session:
        for n in range(3):
            await issue_points(
                session,
                frontdesk_app.host,
                staff_id=p["desk"].id,
                item_code="attitude",
                business_date=date(2026, 12, 1 + n),
                points=None,
                reason="attitude complaint",
                issued_by_id=None,
                now=sh(2026, 12, 1 + n, 12),
            )
        scheme, balance, _, standing = await month_points(
            session, frontdesk_app.host, staff_id=p["desk"].id, month=date(2026, 12, 1)
        )
    assert scheme.allowance == Decimal(10) and len(standing) == 3
    assert balance == Decimal(5)  # attitude complaints stepped: the 3rd makes 5 in total


async def test_PM_9_hooks_staff_roles_and_penalty_table(
    frontdesk_app: Any, make_site: Any, make_staff: Any
) -> None:
    site = await make_site("Roles")
    for role in ("night_duty_manager", "customer_service", "technician", "supervisor"):
        staff = await make_staff(site, f"Someone {role}", role=role)
        assert staff.role == role
    async with frontdesk_app.write() as session:
        codes = set((await session.scalars(select(PenaltyRule.code))).all())
    assert {"PM-9-late", "PM-9-absence", "PM-9-absenteeism", "PM-9-attitude"} <= codes
