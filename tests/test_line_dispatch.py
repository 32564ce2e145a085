"""Issue 7, line dispatch: a business line decides only for its own sites.

Two third-party lines are installed beside real estate — one written with ``async def``
hooks, one with plain functions — and neither checks which site it is asked about. Core
must route each line hook to the plugin owning the site's line, so every site gets its own
line's decision and no combination lets one line decide for another's site.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from itertools import permutations
from typing import Any

import pytest
from conftest import FIXED_NOW, Client
from helpers import add_staff, check_in, make_site
from sqlalchemy import select

from core.plugin_api import (
    PluginInfo,
    Reason,
    ReceptionContext,
    ReceptionOutcome,
    Staff,
    hookimpl,
)
from core.plugins import PluginHost, create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from schema.build import build_schema


async def _first_staff(context: ReceptionContext) -> int | None:
    return await context.session.scalar(
        select(Staff.id).where(Staff.site_id == context.site.id).order_by(Staff.id)
    )


class GreedyAsyncLine:
    """``async def`` hooks with no site guard: each returns a coroutine for every site."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="greedy", name="Greedy", version="1", business_line="greedy")

    @hookimpl
    async def frontdesk_receive_visit(self, context: ReceptionContext) -> ReceptionOutcome:
        return ReceptionOutcome(
            receiver_id=await _first_staff(context),
            counted=True,
            reason=Reason("GR-1", "the greedy line takes every visitor"),
        )

    @hookimpl
    def frontdesk_business_date(self, site: Any, moment: datetime) -> date:
        return date(2000, 1, 1)


class KioskSyncLine:
    """Plain (sync) hooks with no site guard, answering for whatever site it is given."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="kiosk", name="Kiosk", version="1", business_line="kiosk")

    @hookimpl
    def frontdesk_receive_visit(self, context: ReceptionContext) -> ReceptionOutcome:
        return ReceptionOutcome(
            receiver_id=None,
            counted=False,
            reason=Reason("KI-1", "the kiosk line refuses every visitor"),
        )


@pytest.fixture
async def started(sqlite_url: str) -> AsyncIterator[list[Frontdesk]]:
    apps: list[Frontdesk] = []
    yield apps
    for app in apps:
        await app.stop()


async def _launch(url: str, extra: list[Any], apps: list[Frontdesk]) -> Frontdesk:
    fd = Frontdesk(
        Settings(database_url=url),
        pm=create_plugin_manager(extra=extra),
        schema_factory=build_schema,
    )
    async with fd.write() as s:
        for name in ("realestate", *(p.frontdesk_plugin_info().code for p in extra)):
            await set_plugin_enabled(s, fd.host, name, True, FIXED_NOW)
    await fd.start(watch=False)
    apps.append(fd)
    return fd


@pytest.mark.parametrize(
    "order", list(permutations(["greedy", "kiosk"])), ids=lambda o: "-".join(o)
)
async def test_each_site_gets_its_own_lines_decision(
    sqlite_url: str, started: list[Frontdesk], order: tuple[str, ...]
) -> None:
    lines = {"greedy": GreedyAsyncLine(), "kiosk": KioskSyncLine()}
    fd = await _launch(sqlite_url, [lines[n] for n in order], started)
    client = Client(fd)

    estate = await make_site(client, "Sunrise", "realestate")
    li = await add_staff(client, estate, "Li Na")
    greedy = await make_site(client, "Greedy Hall", "greedy")
    first = await add_staff(client, greedy, "Gao", "host")
    kiosk = await make_site(client, "Kiosk Corner", "kiosk")
    await add_staff(client, kiosk, "Ku", "host")

    # Real estate decides for its own site (RE-1), whatever the others would answer.
    result = await check_in(client, estate)
    assert result["decision"]["rule"] == "RE-1", result["decision"]
    assert result["visit"]["receiver"]["id"] == li
    # The async line decides for its own site only.
    result = await check_in(client, greedy)
    assert result["decision"]["rule"] == "GR-1"
    assert result["visit"]["receiver"]["id"] == first
    # The sync line's refusal applies to its own site only.
    error = await client.error(
        "mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { visit { id } userErrors { field "
        "message code rule } } }",
        {"s": kiosk},
    )
    assert error.extensions["code"] == "NO_RECEIVER_AVAILABLE"
    assert error.extensions["rule"] == "KI-1"
    # The greedy line's business date (2000-01-01) is not the real-estate site's.
    rotation = await client.data(
        "query($s: ID!) { rotation(siteId: $s) { businessDate } }", {"s": estate}
    )
    assert rotation["rotation"]["businessDate"] == FIXED_NOW.date().isoformat()


def test_two_plugins_cannot_own_one_line() -> None:
    class Impostor(GreedyAsyncLine):
        @hookimpl
        def frontdesk_plugin_info(self) -> PluginInfo:
            return PluginInfo(code="impostor", name="I", version="1", business_line="greedy")

    from core.errors import PluginError

    with pytest.raises(PluginError, match="both claim the business line 'greedy'"):
        create_plugin_manager(extra=[GreedyAsyncLine(), Impostor()])


def test_line_hooks_cannot_be_broadcast() -> None:
    """Core cannot accidentally ask every line: the broadcast call refuses line hooks."""
    from core.errors import PluginError

    host = PluginHost(create_plugin_manager(extra=[GreedyAsyncLine()]))
    host.set_enabled(host.installed)
    with pytest.raises(PluginError, match="concerns one business line"):
        host.call("frontdesk_business_date", site=None, moment=FIXED_NOW, settings={})


async def test_a_sync_hook_answered_with_an_awaitable_is_a_contract_error() -> None:
    """frontdesk_business_date must answer synchronously; an async one is refused loudly."""
    from core.errors import PluginError

    class AsyncDate(GreedyAsyncLine):
        @hookimpl
        async def frontdesk_business_date(self, site: Any, moment: datetime) -> date:
            return date(2000, 1, 1)

    host = PluginHost(create_plugin_manager(extra=[AsyncDate()]))
    host.set_enabled(host.installed)
    with pytest.raises(PluginError) as caught:
        host.call_line("greedy", "frontdesk_business_date", site=None, moment=FIXED_NOW)
    assert caught.value.code == "PLUGIN_CONTRACT_VIOLATION"
