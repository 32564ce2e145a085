"""C-1 hosting budget and C-2 escorts (seed 002 篇1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.hosting import escorts_for, hosting_budget
from core.models import CustomerClass


@pytest.mark.parametrize(
    ("customer_class", "per_person", "receiver"),
    [
        (CustomerClass.A, "500", "senior management"),
        (CustomerClass.B, "300", "department director"),
        (CustomerClass.C, "200", "department manager"),
        (CustomerClass.D, "150", "supervisor"),
    ],
)
def test_C_1_budget_per_person_and_receiver_by_class(customer_class, per_person, receiver):
    budget, reason = hosting_budget(customer_class, guests=3)
    assert budget == Decimal(per_person) * 3
    assert reason.rule == "C-1"
    assert receiver in reason.message


@pytest.mark.parametrize(("guests", "escorts"), [(1, 1), (4, 1), (5, 2), (10, 2), (11, 3), (40, 3)])
def test_C_2_escorts_by_group_size(guests, escorts):
    n, reason = escorts_for(guests)
    assert n == escorts
    assert reason.rule == "C-2" and str(guests) in reason.message


def test_C_2_a_group_needs_at_least_one_guest():
    with pytest.raises(ValueError):
        escorts_for(0)


async def test_C_2_visit_shows_escorts_for_its_party(client):
    from helpers import add_staff, make_site

    site = await make_site(client)
    await add_staff(client, site, "Li")
    data = await client.data(
        """mutation($s: ID!) { checkInVisit(input: {siteId: $s, partySize: 7}) {
             visit { partySize escortsNeeded } userErrors { field message code } } }""",
        {"s": site},
    )
    assert data["checkInVisit"]["visit"] == {"partySize": 7, "escortsNeeded": 2}
