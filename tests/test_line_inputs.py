"""Issue 7: every core input a line may extend takes line fields through one hook with one
field type (LineInput), and schemas are composed without shared state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import strawberry
from conftest import FIXED_NOW, Client
from helpers import add_staff, legacy, make_site
from sqlalchemy import func, select

from core.models import Customer, Site, Staff
from core.plugin_api import LineErrorCode, LineInput, LineInputReceived, PluginInfo, hookimpl
from core.plugins import PluginHost, create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from schema.build import build_schema, export_sdl


@strawberry.input(description="Car-wash facts.")
class CarWashFacts:
    bays: int = strawberry.field(description="Washing bays.")


class CarWash:
    def __init__(self) -> None:
        self.received: list[tuple[str, int, int]] = []

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="carwash", name="Car wash", version="1", business_line="carwash")

    @hookimpl
    def frontdesk_graphql_input_fields(self) -> list[LineInput]:
        return [
            LineInput(name, "carwash", CarWashFacts, "Car-wash facts.")
            for name in ("CreateSiteInput", "AddStaffInput", "RegisterCustomerInput")
        ]

    @hookimpl
    def frontdesk_error_codes(self) -> list[LineErrorCode]:
        return [LineErrorCode("CARWASH_BAYS", "Bays below zero.", ("Directory",))]

    @hookimpl
    async def frontdesk_line_input_received(self, received: LineInputReceived) -> None:
        if received.value.bays < 0:
            from core.plugin_api import InvalidInput

            raise InvalidInput("bays cannot be negative", code="CARWASH_BAYS")
        # Inside the mutation's transaction: the new entity is already there.
        assert received.session.in_transaction()
        self.received.append((received.input, received.subject_id, received.value.bays))


@pytest.fixture
async def wash(sqlite_url: str) -> AsyncIterator[tuple[Frontdesk, CarWash]]:
    line = CarWash()
    app = Frontdesk(
        Settings(database_url=sqlite_url),
        pm=create_plugin_manager(extra=[line]),
        schema_factory=build_schema,
    )
    async with app.write() as s:
        for name in ("realestate", "carwash"):
            await set_plugin_enabled(s, app.host, name, True, FIXED_NOW)
    await app.start(watch=False)
    yield app, line
    await app.stop()


async def _count(fd: Frontdesk, model: Any) -> int:
    async with fd.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_line_fields_on_core_inputs_reach_the_sites_line(wash: Any) -> None:
    fd, line = wash
    client = Client(fd)
    site = await client.data(
        """mutation { createSite(input: {name: "Sparkle", businessLine: "carwash",
             carwash: {bays: 4}}) { site { id } userErrors { field message code } } }"""
    )
    site_id = site["createSite"]["site"]["id"]
    staff = await client.data(
        """mutation($s: ID!) { addStaff(input: {siteId: $s, name: "Ding", role: "staff",
             carwash: {bays: 2}}) { staff { id } userErrors { field message code } } }""",
        {"s": site_id},
    )
    customer = await client.data(
        """mutation($s: ID!) { registerCustomer(input: {siteId: $s, name: "Lu",
             carwash: {bays: 1}}) { customer { id } userErrors { field message code } } }""",
        {"s": site_id},
    )
    assert line.received == [
        ("CreateSiteInput", legacy(site_id), 4),
        ("AddStaffInput", legacy(staff["addStaff"]["staff"]["id"]), 2),
        ("RegisterCustomerInput", legacy(customer["registerCustomer"]["customer"]["id"]), 1),
    ]
    # Without the line field the mutations work as before and the line hears nothing.
    await add_staff(client, site_id, "Plain")
    assert len(line.received) == 3


async def test_a_line_field_for_another_lines_site_is_refused_and_nothing_written(
    wash: Any,
) -> None:
    fd, line = wash
    client = Client(fd)
    estate = await make_site(client, "Sunrise", "realestate")
    staff_before, sites_before = await _count(fd, Staff), await _count(fd, Site)
    error = await client.error(
        """mutation($s: ID!) { addStaff(input: {siteId: $s, name: "Ma", role: "salesperson",
             carwash: {bays: 2}}) { staff { id } userErrors { field message code } } }""",
        {"s": estate},
    )
    assert error.extensions["code"] == "LINE_INPUT_MISMATCH"
    assert "carwash" in error.message and "realestate" in error.message
    assert await _count(fd, Staff) == staff_before
    # A line refusing its own value rolls the whole mutation back.
    error = await client.error(
        """mutation { createSite(input: {name: "Bad", businessLine: "carwash",
             carwash: {bays: -1}}) { site { id } userErrors { field message code } } }"""
    )
    assert error.extensions["code"] == "CARWASH_BAYS"
    assert await _count(fd, Site) == sites_before
    assert await _count(fd, Customer) == 0
    assert line.received == []


def test_schemas_are_composed_without_shared_state() -> None:
    """Building a schema with a third-party line changes no other schema, and the committed
    SDL comes from the built-in lines only."""
    before = export_sdl()
    with_wash = PluginHost(create_plugin_manager(extra=[CarWash()]))
    with_wash.set_enabled(with_wash.installed)
    wash_sdl = build_schema(with_wash).as_str()
    assert "carwash: CarWashFacts" in wash_sdl
    without = PluginHost(create_plugin_manager(entry_points_group=None))
    without.set_enabled(without.installed)
    assert "carwash" not in build_schema(without).as_str()
    assert export_sdl() == before
