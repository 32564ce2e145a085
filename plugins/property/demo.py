"""Property demo data: a project with its desk, night duty, supervisor and technicians, three
units, last night's visitor registered by the night duty manager (PM-1), a major complaint on
its clock (PM-4 / PM-5) and yesterday's late repair (PM-8).

Fixed local times on the site's clock (yesterday and last night), so the demo reads the same
whenever it is loaded; the complaint is received an hour before the load, so its clock runs.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from core.plugin_api import (
    ComplaintFiling,
    DemoContext,
    Site,
    add_staff,
    file_complaint,
    schedule_shift,
    site_zone,
)
from plugins.property import service

DEMO_STAFF = [
    ("Li Hua", "customer_service"),
    ("Wang Qiang", "night_duty_manager"),
    ("Zhao Yun", "supervisor"),
    ("Qian Lei", "department_manager"),
    ("Zhou Bin", "technician"),
    ("Sun Tao", "technician"),
]

DEMO_UNITS = [
    ("A", "1201", "Chen Mei", "13800138101", None),
    ("A", "1202", "Lin Tao", "13800138102", None),
    ("B", "0301", "Ma Jun", "13800138103", "Harbour Trading"),
]


async def load(context: DemoContext, site: Site) -> None:
    s, now = context.session, context.now
    zone = site_zone(site)
    today = now.astimezone(zone).date()
    yesterday = today - timedelta(days=1)

    def local(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    context.progress("property: staff")
    staff = {
        role: await add_staff(
            s, site_id=site.id, name=name, role=role, phone=None, now=now, host=context.host
        )
        for name, role in DEMO_STAFF[:4]
    }
    technicians = [
        await add_staff(
            s, site_id=site.id, name=name, role=role, phone=None, now=now, host=context.host
        )
        for name, role in DEMO_STAFF[4:]
    ]
    context.progress("property: units and residents")
    residents = []
    for building, number, name, phone, company in DEMO_UNITS:
        unit = await service.add_unit(s, site_id=site.id, building=building, number=number, now=now)
        residents.append(
            await service.add_resident(
                s,
                site_id=site.id,
                unit_id=unit.id,
                name=name,
                phone=phone,
                company=company,
                now=now,
            )
        )
    context.progress("property: night duty roster (PM-1)")
    for day in (yesterday, today):
        await schedule_shift(
            s,
            context.host,
            staff_id=staff["night_duty_manager"].id,
            business_date=day,
            start=time(20),
            end=time(8),
            duty_role=service.NIGHT_DUTY_ROLE,
            now=now,
        )
    context.progress("property: visitors (PM-1)")
    chen, lin, _company = residents
    await service.register_visitor(
        s,
        site_id=site.id,
        unit_id=lin.unit_id,
        resident_id=lin.id,
        visitor_name="Guo Ping",
        contact_method="phone",
        resident_confirmed=True,
        registrar_id=staff["customer_service"].id,
        now=local(yesterday, 15, 10),
    )
    await service.register_visitor(
        s,
        site_id=site.id,
        unit_id=chen.unit_id,
        resident_id=chen.id,
        visitor_name="Xu Lan",
        contact_method="intercom",
        resident_confirmed=True,
        registrar_id=staff["night_duty_manager"].id,
        now=local(yesterday, 22, 15),
    )
    context.progress("property: a late repair (PM-8)")
    order = await service.schedule_repair(
        s,
        site_id=site.id,
        unit_id=lin.unit_id,
        resident_id=lin.id,
        technician_id=technicians[0].id,
        speciality="plumbing",
        description="kitchen tap leaking",
        agreed_at=local(yesterday, 9, 0),
        now=local(yesterday, 8, 0),
    )
    await service.record_arrival(s, order_id=order.id, arrived_at=local(yesterday, 9, 25), now=now)
    await service.start_repair(
        s,
        order_id=order.id,
        fee_quoted=Decimal("80.00"),
        fee_accepted=True,
        now=local(yesterday, 9, 30),
    )
    await service.complete_repair(
        s,
        order_id=order.id,
        signed_by="Lin Tao",
        fee_lines=[{"item": "tap cartridge", "amount": "80.00"}],
        now=local(yesterday, 10, 5),
    )
    on_time = await service.schedule_repair(
        s,
        site_id=site.id,
        unit_id=chen.unit_id,
        resident_id=chen.id,
        technician_id=technicians[1].id,
        speciality="electrical",
        description="corridor light",
        agreed_at=local(yesterday, 14, 0),
        now=local(yesterday, 8, 0),
    )
    await service.record_arrival(
        s, order_id=on_time.id, arrived_at=local(yesterday, 14, 10), now=now
    )
    context.progress("property: a major complaint on its clock (PM-4, PM-5)")
    await file_complaint(
        s,
        context.host,
        ComplaintFiling(
            site_id=site.id,
            channel="phone",
            category="flooding",
            description="water coming through the ceiling of B-0301 from the riser",
            received_at=now - timedelta(hours=1),
            taken_by_id=staff["customer_service"].id,
            caller_company="Harbour Trading",
            caller_name="Ma Jun",
        ),
        now,
    )
