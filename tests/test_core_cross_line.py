"""Issue 7, core owns what crosses lines: C-14 entries in every line's table with bounds a
line adjusts through a chain hook, and staff roles a line declares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import FIXED_NOW, Client
from helpers import add_staff, make_site

from core.plugin_api import PenaltyBounds, PenaltyRuleSpec, PluginInfo, StaffRole, hookimpl
from core.plugins import PluginHost, create_plugin_manager
from core.runtime import Frontdesk
from core.services.penalties import penalty_specs
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from schema.build import build_schema

RULES = """query($l: String!) {
  penaltyRules(businessLine: $l) { nodes { code rule kind minAmount maxAmount } } }"""
ISSUE = """mutation($i: IssuePenaltyInput!) { issuePenalty(input: $i) { penalty { id amount
  penaltyRule { code rule } } userErrors { field message code } } }"""


class CarWash:
    """A line with no penalty table of its own: C-14 must still apply to its sites."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="autowash", name="Auto wash", version="1", business_line="autowash")

    @hookimpl
    def frontdesk_staff_roles(self) -> list[StaffRole]:
        return [StaffRole("attendant", "Wash attendant")]


class StrictSpa:
    """A line narrowing C-14's staff fine to 300–600 CNY for its own sites."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="spa", name="Spa", version="1", business_line="spa")

    @hookimpl
    def frontdesk_penalty_table(self, business_line: str) -> list[PenaltyRuleSpec]:
        return [PenaltyRuleSpec("SPA-1", "SPA-1", "Late towel", "fine", Decimal(10), Decimal(10))]

    @hookimpl
    def frontdesk_c14_bounds(self, bounds: PenaltyBounds) -> PenaltyBounds:
        return PenaltyBounds(
            staff_fine_min=Decimal(300),
            staff_fine_max=Decimal(600),
            manager_fine_min=bounds.manager_fine_min,
            manager_fine_max=bounds.manager_fine_max,
        )


class CompanyPolicy:
    """Not a business line: sees every line's bounds after the line, and raises the staff
    fine's minimum to 400 wherever it is below."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="company", name="Company", version="1")

    @hookimpl
    def frontdesk_c14_bounds(self, bounds: PenaltyBounds) -> PenaltyBounds:
        low = max(bounds.staff_fine_min, Decimal(400))
        return PenaltyBounds(low, bounds.staff_fine_max, bounds.manager_fine_min,
                             bounds.manager_fine_max)  # fmt: skip


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    app = Frontdesk(
        Settings(database_url=sqlite_url),
        pm=create_plugin_manager(extra=[CarWash(), StrictSpa()]),
        schema_factory=build_schema,
    )
    async with app.write() as s:
        for name in ("realestate", "autowash", "spa"):
            await set_plugin_enabled(s, app.host, name, True, FIXED_NOW)
    await app.start(watch=False)
    yield app
    await app.stop()


def _penalty(staff: str, code: str, amount: str, reason: str) -> dict[str, Any]:
    return {"i": {"staffId": staff, "ruleCode": code, "amount": amount, "reason": reason}}


def _by_code(rules: list[dict[str, Any]]) -> dict[str, tuple[str, str, str]]:
    return {r["code"]: (r["rule"], r["minAmount"], r["maxAmount"]) for r in rules}


async def test_C_14_entries_are_core_and_every_line_has_them(fd: Frontdesk) -> None:
    client = Client(fd)
    carwash = _by_code((await client.data(RULES, {"l": "autowash"}))["penaltyRules"]["nodes"])
    # C-14: person 200–1000, first-responsible manager 100–500, compensation of the loss.
    assert carwash == {
        "C-14-staff": ("C-14", "200.00", "1000.00"),
        "C-14-manager": ("C-14", "100.00", "500.00"),
        "C-14-compensation": ("C-14", "0.01", "9999999999.99"),
        # C-3: leading an unapproved visit, treated as leaking business secrets (issue 12).
        "C-3-unapproved-visit": ("C-3", "300.00", "2000.00"),
    }
    estate = _by_code((await client.data(RULES, {"l": "realestate"}))["penaltyRules"]["nodes"])
    assert set(estate) == {"RE-5", *carwash}

    site = await make_site(client, "Sparkle", "autowash")
    washer = await add_staff(client, site, "Ding", "attendant")
    issued = await client.data(
        ISSUE,
        {
            "i": {
                "staffId": washer,
                "ruleCode": "C-14-staff",
                "amount": "300",
                "reason": "scratched a car and argued",
            }
        },
    )
    assert issued["issuePenalty"]["penalty"]["penaltyRule"] == {
        "code": "C-14-staff",
        "rule": "C-14",
    }
    loss = await client.data(
        ISSUE,
        {
            "i": {
                "staffId": washer,
                "ruleCode": "C-14-compensation",
                "amount": "1250.50",
                "reason": "repaint of the scratched door",
            }
        },
    )
    assert loss["issuePenalty"]["penalty"]["amount"] == "1250.50"
    error = await client.error(
        ISSUE,
        {
            "i": {
                "staffId": washer,
                "ruleCode": "C-14-staff",
                "amount": "1500",
                "reason": "too much",
            }
        },
    )
    assert error.extensions["code"] == "PENALTY_AMOUNT_OUT_OF_RANGE"


async def test_C_14_a_line_adjusts_its_bounds_for_its_own_sites_only(fd: Frontdesk) -> None:
    client = Client(fd)
    spa = _by_code((await client.data(RULES, {"l": "spa"}))["penaltyRules"]["nodes"])
    assert spa["C-14-staff"] == ("C-14", "300.00", "600.00")
    assert spa["SPA-1"] == ("SPA-1", "10.00", "10.00")
    # The spa's adjustment never reaches another line's sites.
    carwash = _by_code((await client.data(RULES, {"l": "autowash"}))["penaltyRules"]["nodes"])
    assert carwash["C-14-staff"] == ("C-14", "200.00", "1000.00")


def test_C_14_bounds_are_a_chain_line_first_then_company_wide_plugins() -> None:
    host = PluginHost(create_plugin_manager(extra=[StrictSpa(), CarWash(), CompanyPolicy()]))
    host.set_enabled(host.installed)
    spa = {s.code: s for s in penalty_specs(host, "spa", {})}
    # The spa narrowed to 300–600; the company-wide plugin then raised the minimum to 400.
    assert (spa["C-14-staff"].min_amount, spa["C-14-staff"].max_amount) == (400, 600)
    carwash = {s.code: s for s in penalty_specs(host, "autowash", {})}
    assert (carwash["C-14-staff"].min_amount, carwash["C-14-staff"].max_amount) == (400, 1000)


def test_C_14_a_line_cannot_redeclare_core_entries() -> None:
    class Redeclares(CarWash):
        @hookimpl
        def frontdesk_penalty_table(self, business_line: str) -> list[PenaltyRuleSpec]:
            return [PenaltyRuleSpec("C-14-staff", "C-14", "mine", "fine", Decimal(1), Decimal(2))]

    from core.errors import PluginError

    host = PluginHost(create_plugin_manager(extra=[Redeclares()]))
    host.set_enabled(host.installed)
    with pytest.raises(PluginError, match="C-14 entries belong to core"):
        penalty_specs(host, "autowash", {})


async def test_a_line_declares_its_staff_roles_for_its_own_sites(fd: Frontdesk) -> None:
    client = Client(fd)
    wash = await make_site(client, "Sparkle", "autowash")
    assert await add_staff(client, wash, "Ding", "attendant")
    estate = await make_site(client, "Sunrise", "realestate")
    error = await client.error(
        'mutation($s: ID!) { addStaff(input: {siteId: $s, name: "Ma", role: "attendant"}) { staff '
        "{ id } userErrors { field message code } } }",
        {"s": estate},
    )
    assert error.extensions["code"] == "UNKNOWN_ROLE"
    assert "salesperson" in error.message
