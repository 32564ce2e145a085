"""KTV services through the kit (core/testing.py) in a transaction, on SQLite — and on
PostgreSQL when FRONTDESK_TEST_POSTGRES_URL is set (the kit's database follows it)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.plugin_api import (
    Booking,
    BookingStatus,
    CheckIn,
    FrontdeskError,
    Penalty,
    PenaltyRule,
    book,
    check_in_visit,
    workforce_policy_of,
)
from plugins.ktv import hooks, service

TZ = ZoneInfo("Asia/Shanghai")


# The kit enables the KTV line (and only it).  Fixtures here rather than in a conftest.py:
# tests/conftest.py is imported by name elsewhere.
@pytest.fixture
def frontdesk_lines() -> tuple[str, ...]:
    return ("ktv",)


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
async def venue(make_site, make_staff, make_customer):
    site = await make_site("Starlight KTV")
    director = await make_staff(site, "Director Lam", role="duty_director")
    agent = await make_staff(site, "Ah Mei", role="booking_agent")
    other = await make_staff(site, "Ah Kit", role="booking_agent")
    guest = await make_customer(site, "Mr Chan", phone="13800138001")
    return site, director, agent, other, guest


async def test_KTV_line_hooks_table_roles_and_workforce_numbers(frontdesk_app, venue):
    site, *_ = venue
    async with frontdesk_app.write() as session:
        codes = set(
            (
                await session.scalars(
                    select(PenaltyRule.code).where(PenaltyRule.business_line == "ktv")
                )
            ).all()
        )
        policy = await workforce_policy_of(session, frontdesk_app.host, site)
    assert {"KTV-2-late", "KTV-2-absent", "KTV-10-absent", "KTV-5", "KTV-6", "KTV-7"} <= codes
    assert {"KTV-8-conflict", "KTV-8-fight", "KTV-9", "KTV-4-absenteeism"} <= codes
    assert "C-14-staff" in codes  # added by core; KTV-6 is issued for attitude complaints
    assert policy.meeting_time == time(19, 30) and policy.roll_call_minutes == 30
    assert policy.leave_lead_days == 1 and policy.business_day_starts == time(6, 0)
    assert policy.absenteeism_wage_days == Decimal(4)
    assert policy.absenteeism_days_ending_employment == 3


@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        (at(12, 1, 59), date(2026, 12, 11)),
        (at(12, 2, 0), date(2026, 12, 11)),
        (at(12, 5, 59), date(2026, 12, 11)),
        (at(12, 6, 0), date(2026, 12, 12)),
    ],
)
async def test_KTV_1_visit_past_midnight_belongs_to_previous_business_day(
    frontdesk_app, venue, arrival, expected
):
    site, director, *_ = venue
    async with frontdesk_app.write() as session:
        visit, outcome = await check_in_visit(
            session,
            frontdesk_app.host,
            CheckIn(site_id=site.id, receiver_id=director.id, arrived_at=arrival),
            arrival,
        )
    assert visit.business_date == expected
    # No booking: the line does not decide, the desk's choice stands (C-4).
    assert outcome is None or outcome.reason.rule == "C-4"
    assert visit.receiver_id == director.id


async def test_KTV_11_guest_received_by_booker_at_0130_and_credited(frontdesk_app, venue):
    site, _director, agent, other, guest = venue
    async with frontdesk_app.write() as session:
        booking = await book(
            session,
            site_id=site.id,
            booked_by_id=agent.id,
            customer_id=guest.id,
            guest_name="",
            resource_kind="room",
            resource="V8",
            business_date=date(2026, 12, 11),
            now=at(11, 15, 0),
        )
        booking_id = booking.id
    async with frontdesk_app.write() as session:
        visit, outcome = await check_in_visit(
            session,
            frontdesk_app.host,
            CheckIn(
                site_id=site.id,
                customer_id=guest.id,
                named_staff_id=other.id,
                arrived_at=at(12, 1, 30),
            ),
            at(12, 1, 30),
        )
        assert (visit.business_date, outcome.receiver_id) == (date(2026, 12, 11), agent.id)
        assert outcome.reason.rule == "KTV-11"
    async with frontdesk_app.write() as session:
        assert (await session.get(Booking, booking_id)).status == BookingStatus.HONOURED
        month = await service.month_performance(
            session, site_id=site.id, staff_id=agent.id, month=date(2026, 12, 1)
        )
        assert (month.credits, month.reason.rule) == (1, "KTV-11")
        nothing = await service.month_performance(
            session, site_id=site.id, staff_id=other.id, month=date(2026, 12, 1)
        )
        assert nothing.credits == 0


async def test_KTV_11_booking_of_another_business_day_does_not_count(frontdesk_app, venue):
    site, _director, agent, other, guest = venue
    async with frontdesk_app.write() as session:
        await book(
            session,
            site_id=site.id,
            booked_by_id=agent.id,
            customer_id=guest.id,
            guest_name="",
            resource_kind="room",
            resource="V8",
            business_date=date(2026, 12, 11),
            now=at(11, 15, 0),
        )
    async with frontdesk_app.write() as session:
        visit, outcome = await check_in_visit(
            session,
            frontdesk_app.host,
            CheckIn(
                site_id=site.id,
                customer_id=guest.id,
                receiver_id=other.id,
                arrived_at=at(12, 6, 0),
            ),
            at(12, 6, 0),
        )
    assert visit.receiver_id == other.id
    assert outcome is None or outcome.reason.rule == "C-4"


async def test_KTV_7_fake_booking_cancels_months_credits_and_fines_within_bounds(
    frontdesk_app, venue
):
    site, director, agent, _other, guest = venue
    async with frontdesk_app.write() as session:
        booking = await book(
            session,
            site_id=site.id,
            booked_by_id=agent.id,
            customer_id=guest.id,
            guest_name="",
            resource_kind="room",
            resource="V8",
            business_date=date(2026, 12, 11),
            now=at(11, 15, 0),
        )
        await check_in_visit(
            session,
            frontdesk_app.host,
            CheckIn(site_id=site.id, customer_id=guest.id, arrived_at=at(11, 21, 0)),
            at(11, 21, 0),
        )
        assert booking.id
    async with frontdesk_app.write() as session:
        with pytest.raises(FrontdeskError) as error:
            await service.record_conduct(
                session,
                site_id=site.id,
                staff_id=agent.id,
                conduct="fake_booking",
                amount=Decimal(501),
                description="",
                recorded_by_id=director.id,
                now=at(12, 1, 0),
            )
        assert error.value.code == "PENALTY_AMOUNT_OUT_OF_RANGE"
    async with frontdesk_app.write() as session:
        record, penalty = await service.record_conduct(
            session,
            site_id=site.id,
            staff_id=agent.id,
            conduct="fake_booking",
            amount=Decimal(200),
            description="booked V9 for nobody",
            recorded_by_id=director.id,
            now=at(12, 1, 0),
        )
        assert (record.rule, record.business_date, record.cancels_credits) == (
            "KTV-7",
            date(2026, 12, 11),
            True,
        )
        assert penalty.amount == Decimal(200)
        month = await service.month_performance(
            session, site_id=site.id, staff_id=agent.id, month=date(2026, 12, 1)
        )
    assert (month.honoured, month.credits, month.reason.rule) == (1, 0, "KTV-7")


async def test_KTV_9_drugs_dismissal_and_police_recorded(frontdesk_app, venue):
    site, director, agent, *_ = venue
    async with frontdesk_app.write() as session:
        record, penalty = await service.record_conduct(
            session,
            site_id=site.id,
            staff_id=agent.id,
            conduct="selling_liquor_cards",
            amount=None,
            description="",
            recorded_by_id=director.id,
            now=at(11, 22, 0),
        )
        assert (record.dismissal, record.police_referral, record.rule) == (True, True, "KTV-9")
        assert penalty.amount is None
        stored = await session.get(Penalty, penalty.id)
        assert stored is not None
    async with frontdesk_app.write() as session:
        with pytest.raises(FrontdeskError) as error:
            await service.record_conduct(
                session,
                site_id=site.id,
                staff_id=agent.id,
                conduct="karaoke_off_key",
                amount=None,
                description="",
                recorded_by_id=director.id,
                now=at(11, 22, 0),
            )
    assert error.value.code == "UNKNOWN_CONDUCT"


async def test_KTV_3_knowledge_check_due_and_overdue_list(frontdesk_app, venue):
    site, director, agent, other, _ = venue
    async with frontdesk_app.write() as session:
        check = await service.register_joining(
            session,
            site_id=site.id,
            staff_id=agent.id,
            joined_on=date(2026, 12, 1),
            now=at(1, 20, 0),
        )
        assert check.due_on == date(2026, 12, 3)
        await service.register_joining(
            session,
            site_id=site.id,
            staff_id=other.id,
            joined_on=date(2026, 12, 2),
            now=at(2, 20, 0),
        )
    async with frontdesk_app.write() as session:
        # 05:59 on the 4th is still the business day of the 3rd: nobody overdue.
        assert (
            await service.overdue_knowledge_checks(session, site_id=site.id, now=at(4, 5, 59)) == []
        )
        listed = await service.overdue_knowledge_checks(session, site_id=site.id, now=at(4, 6, 0))
        assert [(staff, reason.rule) for staff, reason in listed] == [(agent.id, "KTV-3")]
        with pytest.raises(FrontdeskError) as error:
            await service.pass_knowledge_check(
                session,
                site_id=site.id,
                staff_id=other.id,
                checked_by_id=director.id,
                topics=["drink_prices"],
                now=at(4, 20, 0),
            )
        assert error.value.code == "KNOWLEDGE_TOPICS_INCOMPLETE"
    async with frontdesk_app.write() as session:
        _, late = await service.pass_knowledge_check(
            session,
            site_id=site.id,
            staff_id=other.id,
            checked_by_id=director.id,
            topics=["drink_prices", "minimum_charges", "all_you_can_drink_rooms", "table_numbers"],
            now=at(4, 20, 0),
        )
    assert late is None  # joined on the 2nd: due by the 4th


async def test_KTV_policy_setting_refused_with_clear_error(frontdesk_app):
    with pytest.raises(ValueError, match="late_fee"):
        hooks.frontdesk_validate_settings("ktv", {"late_fee": 1})
    stored = hooks.frontdesk_validate_settings("ktv", {"business_day_cutoff": "05:30:00"})
    assert stored == {"business_day_cutoff": "05:30"}


async def test_KTV_2_and_KTV_10_roll_call_fines_issued_from_the_table(frontdesk_app, venue):
    from plugins.ktv import rules

    site, director, agent, other, _ = venue
    opens, closes = at(11, 19, 30), at(11, 20, 0)
    late = rules.roll_call(opens_at=opens, closes_at=closes, signed_at=at(11, 19, 31), now=closes)
    on_time = rules.roll_call(opens_at=opens, closes_at=closes, signed_at=opens, now=closes)
    cancelled = rules.roll_call(
        opens_at=opens,
        closes_at=closes,
        signed_at=None,
        room_booking=True,
        booking_cancelled_at=at(11, 19, 40),
        now=closes,
    )
    async with frontdesk_app.write() as session:
        fine = await service.fine_roll_call(
            session,
            site_id=site.id,
            staff_id=agent.id,
            decision=late,
            issued_by_id=director.id,
            now=closes,
        )
        assert fine.amount == Decimal(30) and "[KTV-2]" in fine.reason
        assert (
            await service.fine_roll_call(
                session,
                site_id=site.id,
                staff_id=agent.id,
                decision=on_time,
                issued_by_id=director.id,
                now=closes,
            )
            is None
        )
        absent = await service.fine_roll_call(
            session,
            site_id=site.id,
            staff_id=other.id,
            decision=cancelled,
            issued_by_id=director.id,
            now=closes,
        )
        assert absent.amount == Decimal(50) and "[KTV-10]" in absent.reason


async def test_KTV_5_leaving_post_and_KTV_6_attitude_complaint_fines(frontdesk_app, venue):
    site, director, agent, *_ = venue
    async with frontdesk_app.write() as session:
        left = await service.fine_leaving_post(
            session,
            site_id=site.id,
            staff_id=agent.id,
            shift_ends_at=at(12, 2, 0),
            left_at=at(11, 23, 0),
            pass_approved_at=None,
            issued_by_id=director.id,
            now=at(11, 23, 5),
        )
        assert left.amount == Decimal(100) and "[KTV-5]" in left.reason
        assert (
            await service.fine_leaving_post(
                session,
                site_id=site.id,
                staff_id=agent.id,
                shift_ends_at=at(12, 2, 0),
                left_at=at(11, 23, 0),
                pass_approved_at=at(11, 22, 50),
                issued_by_id=director.id,
                now=at(11, 23, 5),
            )
            is None
        )
        attitude = await service.fine_complaint(
            session,
            site_id=site.id,
            staff_id=agent.id,
            category="attitude",
            amount=None,
            issued_by_id=director.id,
            now=at(11, 23, 30),
        )
        assert attitude.amount == Decimal(100) and "[KTV-6]" in attitude.reason
        fault = await service.fine_complaint(
            session,
            site_id=site.id,
            staff_id=agent.id,
            category="wrong order",
            amount=Decimal(200),
            issued_by_id=director.id,
            now=at(11, 23, 30),
        )
        assert fault.amount == Decimal(200) and "[C-14]" in fault.reason
