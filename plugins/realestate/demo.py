"""Real-estate demo data: a sales office with salespeople, customers and today's visits."""

from __future__ import annotations

from datetime import timedelta

from core.plugin_api import (
    CheckIn,
    CustomerClass,
    DemoContext,
    GroupKind,
    InquiryKind,
    Reason,
    Site,
    VisitChannel,
    VisitorKind,
    add_staff,
    check_in_visit,
    register_customer,
)
from plugins.realestate.service import local_time

DEMO_STAFF = [
    ("Li Na", "salesperson"),
    ("Wang Wei", "salesperson"),
    ("Zhang Min", "salesperson"),
    ("Liu Yang", "salesperson"),
    ("Chen Jing", "salesperson"),
    ("Zhao Lei", "sales_manager"),
]


DEMO_CUSTOMERS = [
    ("Sun Hao", "13800138001", "A", None),
    ("Zhou Fang", "13800138002", "B", ("family", "Zhou family")),
    ("Zhou Qiang", "13800138003", "D", ("family", "Zhou family")),
    ("Wu Ting", "13800138004", "C", ("company", "Huaxia Trading")),
    ("Xu Lin", "13800138005", "D", ("company", "Huaxia Trading")),
    ("He Jun", "13800138006", "D", None),
    ("Ma Li", "13800138007", "D", None),
    ("Gao Yan", "13800138008", "B", None),
]


async def load_demo(context: DemoContext, site: Site) -> None:
    s, now = context.session, context.now
    context.progress("real estate: staff")
    staff = [
        await add_staff(s, site_id=site.id, name=n, role=r, phone=None, now=now)
        for n, r in DEMO_STAFF
    ]
    context.progress("real estate: customers")
    customers = []
    for name, phone, cls, group in DEMO_CUSTOMERS:
        customers.append(
            await register_customer(
                s,
                site_id=site.id,
                name=name,
                phone=phone,
                customer_class=CustomerClass(cls),
                group_kind=GroupKind(group[0]) if group else None,
                group_name=group[1] if group else None,
                now=now,
            )
        )
    host = context.host
    context.progress("real estate: today's visits")
    # Arrivals over the last minutes, all in today's business day.
    local = local_time(site, now)
    minutes = max(0, min(len(customers) + 4, (local.hour * 60 + local.minute) - 1))
    for i, customer in enumerate(customers):
        arrived = now - timedelta(minutes=max(0, minutes - i))
        named = staff[1].id if i == 5 else None
        await check_in_visit(
            s,
            host,
            CheckIn(
                site_id=site.id,
                customer_id=customer.id,
                named_staff_id=named,
                inquiry_kind=InquiryKind.CONSULTATION,
                arrived_at=arrived,
            ),
            now,
        )
    await check_in_visit(
        s,
        host,
        CheckIn(
            site_id=site.id,
            visitor_kind=VisitorKind.DIRECTIONS,
            inquiry_kind=InquiryKind.HELP_REQUEST,
            channel=VisitChannel.WALK_IN,
        ),
        now,
    )
    _ = Reason  # reasons come from the rules; nothing hand-written here
