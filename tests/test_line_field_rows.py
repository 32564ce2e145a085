"""Issue 7: a field a line adds to ``Visit`` receives the same documented object — the
visit's ``id`` and the columns it declared in ``needs`` — in a page, a single fetch and a
mutation payload, whatever else the client selected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import strawberry
from conftest import FIXED_NOW, Client
from helpers import add_staff, legacy, make_site

from core.plugin_api import PluginInfo, hookimpl, line_field
from core.plugins import create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from schema.build import build_schema

SEEN: list[tuple[str, Any]] = []


def party_label(root: strawberry.Parent[Any]) -> str:
    SEEN.append((type(root).__name__, sorted(root._allowed)))
    return f"visit {root.id} of {root.party_size}"


def nosy(root: strawberry.Parent[Any]) -> str:
    return root.customer.name  # not declared: must fail the same way everywhere


class Labels:
    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="labels", name="Labels", version="1", enabled_by_default=True)

    @hookimpl
    def frontdesk_graphql_type_fields(self) -> list[Any]:
        return [
            line_field(
                party_label,
                on="Visit",
                name="partyLabel",
                description="A label.",
                needs=("party_size",),
            ),
            line_field(nosy, on="Visit", name="nosy", description="Reads an undeclared relation."),
        ]


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    app = Frontdesk(
        Settings(database_url=sqlite_url),
        pm=create_plugin_manager(extra=[Labels()]),
        schema_factory=build_schema,
    )
    async with app.write() as s:
        for name in ("realestate", "labels"):
            await set_plugin_enabled(s, app.host, name, True, FIXED_NOW)
    await app.start(watch=False)
    yield app
    await app.stop()


async def test_a_line_field_gets_the_same_row_view_in_every_path(fd: Frontdesk) -> None:
    client = Client(fd)
    site = await make_site(client)
    await add_staff(client, site, "Li Na")
    SEEN.clear()
    checked = await client.data(
        """mutation($s: ID!) { checkInVisit(input: {siteId: $s, partySize: 3}) {
             visit { id partyLabel } userErrors { field message code } } }""",
        {"s": site},
    )
    visit = checked["checkInVisit"]["visit"]
    assert visit["partyLabel"] == f"visit {legacy(visit['id'])} of 3"
    page = await client.data(
        "query($s: ID!) { visits(siteId: $s, first: 5) { edges { node { partyLabel } } } }",
        {"s": site},
    )
    assert page["visits"]["edges"][0]["node"]["partyLabel"] == visit["partyLabel"]
    # With the relation selected too (which used to change what the field received).
    one = await client.data(
        "query($v: ID!) { visit(id: $v) { customer { name } receiver { name } partyLabel } }",
        {"v": visit["id"]},
    )
    assert one["visit"]["partyLabel"] == visit["partyLabel"]
    assert SEEN == [("RowView", ["id", "party_size"])] * 3


async def test_reading_an_undeclared_attribute_fails_alike_in_every_path(
    fd: Frontdesk, caplog: pytest.LogCaptureFixture
) -> None:
    """A line's bug shows the same way whatever the client selected: the client gets
    INTERNAL_ERROR and the log names the attribute and ``needs``."""
    client = Client(fd)
    site = await make_site(client)
    await add_staff(client, site, "Li Na")
    created = await client.data(
        "mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { visit { id } userErrors { field "
        "message code } } }",
        {"s": site},
    )
    visit = created["checkInVisit"]["visit"]["id"]
    for query, variables in (
        (
            "query($s: ID!) { visits(siteId: $s, first: 5) { edges { node { nosy } } } }",
            {"s": site},
        ),
        (
            "query($s: ID!) { visits(siteId: $s, first: 5) { edges { node { customer { name } "
            "nosy } } } }",
            {"s": site},
        ),
        ("query($v: ID!) { visit(id: $v) { customer { name } nosy } }", {"v": visit}),
    ):
        caplog.clear()
        error = await client.error(query, variables)
        assert error.extensions["code"] == "INTERNAL_ERROR"
        assert "Visit.customer is not available to this field" in caplog.text
        assert "needs=('customer',)" in caplog.text
