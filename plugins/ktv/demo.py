"""KTV demo data: a venue with its duty director, booking agents, a waiter and the host desk;
last night complete (the pre-shift roll closed with its fines, bookings across midnight, a
guest received by their booker at 01:30, an exit pass) and tonight begun (the meeting called,
rooms booked, one guest due after midnight).

Everything goes through core's services and the line's hooks, as the API does: the fines of
last night's roll are issued by ``frontdesk_roll_call_decided`` inside the roll call, the
guest's reception and credit by ``frontdesk_receive_visit`` / ``frontdesk_visit_recorded``.
"Tonight" is the business day of the moment the demo is loaded (KTV-1: before 06:00, the
previous day's), "last night" the one before it, so the demo reads the same whenever it is
loaded.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.plugin_api import (
    CheckIn,
    CustomerClass,
    DemoContext,
    Site,
    add_staff,
    book,
    call_meeting,
    check_in_visit,
    close_roll,
    decide_exit_pass,
    register_customer,
    request_exit_pass,
    schedule_shift,
    set_staff_pay,
    sign_roll,
)
from plugins.ktv import service
from plugins.ktv.policy import KtvPolicy
from plugins.ktv.service import register_joining

DEMO_STAFF = [
    ("Director Lam", "duty_director"),
    ("Ah Mei", "booking_agent"),
    ("Ah Kit", "booking_agent"),
    ("Ah Wing", "waiter"),
    ("Siu Ling", "host_desk"),
]
DEMO_CUSTOMERS = [("Mr Chan", "13900139001"), ("Ms Lee", "13900139002")]


async def load(context: DemoContext, site: Site) -> None:
    s, now, host = context.session, context.now, context.host
    zone = ZoneInfo(site.timezone)
    policy = await service.load_line_policy(s, KtvPolicy, service.CODE)
    tonight = service.business_date(site, now, policy)
    last = tonight - timedelta(days=1)

    def local(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    context.progress("ktv: staff and guests")
    lam, mei, kit, wing, ling = [
        await add_staff(s, site_id=site.id, name=n, role=r, phone=None, now=now, host=host)
        for n, r in DEMO_STAFF
    ]
    for person in (mei, kit, wing, ling):
        await set_staff_pay(s, staff_id=person.id, daily_wage=Decimal(200), superior_id=lam.id)
    chan, lee = [
        await register_customer(
            s,
            site_id=site.id,
            name=n,
            phone=p,
            customer_class=CustomerClass.B,
            group_kind=None,
            group_name=None,
            now=now,
        )
        for n, p in DEMO_CUSTOMERS
    ]
    # KTV-3: Siu Ling joined four days ago and has not been checked: overdue.
    await register_joining(
        s, site_id=site.id, staff_id=ling.id, joined_on=tonight - timedelta(days=4), now=now
    )

    context.progress("ktv: last night")
    shifts = {}
    for day in (last, tonight):
        for person in (mei, kit, wing, ling):
            shifts[day, person.id] = await schedule_shift(
                s,
                host,
                staff_id=person.id,
                business_date=day,
                start=time(19, 30),
                end=time(2, 0),
                duty_role=None,
                now=now,
            )
    # Mei books room V8 for Mr Chan (who will come at 01:30), Kit a hall table.
    await book(
        s,
        site_id=site.id,
        booked_by_id=mei.id,
        customer_id=chan.id,
        guest_name="",
        resource_kind="room",
        resource="V8",
        business_date=last,
        now=local(last, 15),
    )
    await book(
        s,
        site_id=site.id,
        booked_by_id=kit.id,
        customer_id=None,
        guest_name="Mr Ho",
        resource_kind="table",
        resource="T3",
        business_date=last,
        now=local(last, 16),
    )
    meeting = await call_meeting(
        s,
        host,
        site_id=site.id,
        business_date=last,
        start=None,
        title="Mei: rooms V1–V8 · Kit: hall tables · Wing: bar · Ling: host desk",
        now=local(last, 18),
    )
    # KTV-2: Ling on time at 19:30, Wing late at 19:31; Kit never signs (his table booking
    # does not excuse him, KTV-10); Mei's room booking lets her sign afterwards (补签).
    for person, minute in ((ling, 30), (wing, 31)):
        signed = local(last, 19, minute)
        await sign_roll(s, meeting_id=meeting.id, staff_id=person.id, at=signed, now=signed)
    await close_roll(s, meeting_id=meeting.id, now=local(last, 20), host=host)
    await sign_roll(
        s,
        meeting_id=meeting.id,
        staff_id=mei.id,
        at=local(last, 21, 5),
        now=local(last, 21, 5),
        host=host,
    )
    # KTV-5: Wing leaves for an hour with a pass his superior approved.
    exit_pass = await request_exit_pass(
        s,
        staff_id=wing.id,
        shift_id=shifts[last, wing.id].id,
        reason="pick up his daughter",
        now=local(last, 23, 40),
    )
    await decide_exit_pass(
        s, pass_id=exit_pass.id, manager_id=lam.id, approve=True, now=local(last, 23, 45)
    )
    # KTV-11: Mr Chan arrives at 01:30 — still last night's business day (KTV-1) — and is
    # received by Mei, who booked him; the booking is honoured and credits her month.
    await check_in_visit(
        s,
        host,
        CheckIn(site_id=site.id, customer_id=chan.id, arrived_at=local(tonight, 1, 30)),
        now,
    )

    context.progress("ktv: tonight")
    await book(
        s,
        site_id=site.id,
        booked_by_id=mei.id,
        customer_id=None,
        guest_name="Mr Ho",
        resource_kind="room",
        resource="V6",
        business_date=tonight,
        now=now,
    )
    await book(
        s,
        site_id=site.id,
        booked_by_id=kit.id,
        customer_id=lee.id,
        guest_name="",
        resource_kind="room",
        resource="V2",
        business_date=tonight,
        now=now,
    )
    await call_meeting(
        s,
        host,
        site_id=site.id,
        business_date=tonight,
        start=None,
        title="Mei: V6 (Mr Ho after midnight) · Kit: V2 and the hall · Wing: bar",
        now=now,
    )
