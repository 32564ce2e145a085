"""Demo club: three membership consultants, their manager, the club director (the club's
own roles), and three contested sales of last month — the same claim by Wang Fang decided
three ways by when it was found (FC-4): whole on day 3, half on day 10, the closer's on
day 18."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

import strawberry

from core.plugin_api import (
    CheckIn,
    CustomerClass,
    DemoContext,
    Site,
    add_staff,
    check_in_visit,
    register_customer,
)
from plugins.fitnessclub import rules, service
from plugins.fitnessclub import schema as gql

DEMO_STAFF = [
    ("Wang Fang", "membership_consultant"),
    ("Zhao Lei", "membership_consultant"),
    ("Chen Jie", "membership_consultant"),
    ("Sun Hui", "membership_manager"),
    ("Zhou Ting", "club_director"),
]
# (name, mobile, day of the month the claim is found on: the sale is on day 2)
DEMO_CONTESTS = [
    ("Liu Min", "13900139001", 3),
    ("He Ping", "13900139002", 10),
    ("Gao Jun", "13900139003", 18),
]


async def load(context: DemoContext, site: Site) -> None:
    s, now = context.session, context.now
    tz = service.tz_of(site)
    context.progress("fitness club: staff")
    staff = [
        await add_staff(s, site_id=site.id, name=n, role=r, phone=None, now=now, host=context.host)
        for n, r in DEMO_STAFF
    ]
    wang, zhao = staff[0], staff[1]
    this_month = rules.local_date(now, tz).replace(day=1)
    month = rules.add_months(this_month, -1)

    def at(day: int, hour: int) -> datetime:
        return datetime.combine(month.replace(day=day), time(hour), tzinfo=tz)

    context.progress("fitness club: follow-up sheets, visits, sales and claims")
    for name, mobile, found_day in DEMO_CONTESTS:
        customer = await register_customer(
            s,
            site_id=site.id,
            name=name,
            phone=mobile,
            customer_class=CustomerClass.D,
            group_kind=None,
            group_name=None,
            now=at(1, 9),
        )
        ids = {
            "site_id": strawberry.ID(str(site.id)),
            "customer_id": strawberry.ID(str(customer.id)),
        }
        await service.add_follow_up_sheet(
            s,
            gql.FollowUpSheetInput(
                consultant_id=strawberry.ID(str(wang.id)),
                surname=name.split()[0],
                phone=mobile,
                **ids,
            ),
            at(1, 9),
        )
        # Zhao receives the customer at the desk the next afternoon and closes.
        await check_in_visit(
            s,
            context.host,
            CheckIn(
                site_id=site.id,
                customer_id=customer.id,
                arrived_at=at(2, 14),
                line_input={
                    "fitnessclub": gql.FitnessVisitFactsInput(
                        receiver_id=strawberry.ID(str(zhao.id))
                    )
                },
            ),
            at(2, 14),
        )
        sale = await service.add_card_sale(
            s,
            gql.CardSaleInput(
                site_id=strawberry.ID(str(site.id)),
                closer_id=strawberry.ID(str(zhao.id)),
                buyer_id=strawberry.ID(str(customer.id)),
                card_type="annual",
                price=Decimal("3680.00"),
                surname=name.split()[0],
                phone=mobile,
            ),
            at(2, 15),
        )
        await service.claim_sale(
            s,
            gql.ClaimSaleInput(sale_id=sale.id, claimant_id=strawberry.ID(str(wang.id))),
            at(found_day, 11),
        )
