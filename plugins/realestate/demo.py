"""Real-estate demo data: a sales office with salespeople, customers and yesterday's visits."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
from plugins.realestate.service import today

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
    context.progress("real estate: yesterday's register")
    # The register holds the previous business day, at fixed local times, so the demo is the
    # same whenever it is loaded and today's rotation has not started: the README walkthrough
    # sets today's order (RE-1) before the first walk-in, as a sales manager does.
    day, policy = await today(s, site, now)
    opened = datetime.combine(
        day - timedelta(days=1), policy.business_day_starts_at, ZoneInfo(site.timezone)
    ) + timedelta(hours=4)
    for i, customer in enumerate(customers):
        named = staff[1].id if i == 5 else None
        await check_in_visit(
            s,
            host,
            CheckIn(
                site_id=site.id,
                customer_id=customer.id,
                named_staff_id=named,
                inquiry_kind=InquiryKind.CONSULTATION,
                arrived_at=opened + timedelta(minutes=12 * i),
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
            arrived_at=opened + timedelta(minutes=12 * len(customers)),
        ),
        now,
    )
    _ = Reason  # reasons come from the rules; nothing hand-written here
