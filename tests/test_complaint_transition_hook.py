"""``frontdesk_validate_complaint_transition`` (issue 15): the site's line may refuse a legal
C-9 move inside the transition's transaction — core answers TRANSITION_REFUSED with the
line's rule and writes nothing — and ``frontdesk_complaint_policy`` receives the plugins'
settings.  A stand-in line here; the property line's use (PM-5, PM-6) is in
tests/property/test_property_api.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import FIXED_NOW, Client
from sqlalchemy import func, select

from core.contracts import ComplaintPolicy, ComplaintTransition, PluginInfo
from core.decisions import Reason
from core.errors import FrontdeskError
from core.hookspecs import hookimpl
from core.models import Complaint, ComplaintHistoryEntry
from core.plugins import create_plugin_manager
from core.runtime import Frontdesk
from core.services import complaints as svc
from core.services import directory
from core.services.plugin_state import configure_plugin, set_plugin_enabled
from core.settings import Settings


class GateLine:
    """A test line: closing needs the flag ``checked``; ``bogus`` answers a wrong type; its
    complaint policy reads its own settings (``resolution_days``)."""

    seen: list[ComplaintTransition]

    def __init__(self) -> None:
        self.seen = []

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="gate", name="Gate test line", version="1", business_line="gate")

    @hookimpl
    def frontdesk_validate_settings(self, plugin: str, settings: dict[str, Any]) -> Any:
        return dict(settings) if plugin == "gate" else None

    @hookimpl
    def frontdesk_complaint_policy(
        self, site: Any, complaint: dict[str, Any], settings: Any
    ) -> ComplaintPolicy:
        days = int(settings.get("gate", {}).get("resolution_days", 3))
        return ComplaintPolicy(
            severity="general",
            reason=Reason("GATE-1", f"resolved within {days} working days"),
            resolution_working_days=days,
        )

    @hookimpl
    async def frontdesk_validate_complaint_transition(self, transition: ComplaintTransition) -> Any:
        self.seen.append(transition)
        if "bogus" in transition.complaint.flags:
            return "no"
        if transition.target == "closed" and "checked" not in transition.complaint.flags:
            # The hook reads in the change's own transaction.
            count = await transition.session.scalar(select(func.count(Complaint.id)))
            return Reason("GATE-2", f"not checked ({count} complaint(s) on file)")
        return None


@pytest.fixture
def gate() -> GateLine:
    return GateLine()


@pytest.fixture
async def gate_app(sqlite_url: str, gate: GateLine) -> AsyncIterator[Frontdesk]:
    app = Frontdesk(Settings(database_url=sqlite_url), pm=create_plugin_manager(extra=[gate]))
    async with app.write() as s:
        await set_plugin_enabled(s, app.host, "realestate", True, FIXED_NOW)
        await set_plugin_enabled(s, app.host, "gate", True, FIXED_NOW)
        await configure_plugin(s, app.host, "gate", {"resolution_days": 1}, FIXED_NOW)
    await app.start(watch=False)
    yield app
    await app.stop()


async def _site(app: Frontdesk, line: str, name: str) -> tuple[int, int]:
    async with app.write() as s:
        site = await directory.create_site(
            s,
            app.host,
            name=name,
            business_line=line,
            timezone="Asia/Shanghai",
            calendar_region="CN",
            now=FIXED_NOW,
        )
        staff = await directory.add_staff(
            s, site_id=site.id, name="Li", role="staff", phone=None, now=FIXED_NOW
        )
        return site.id, staff.id


async def _file(app: Frontdesk, site: int, staff: int, flags: tuple[str, ...] = ()) -> int:
    filing = svc.ComplaintFiling(
        site_id=site,
        channel="in_person",
        category="service",
        description="slow",
        received_at=FIXED_NOW,
        taken_by_id=staff,
        customer_name="Zhang San",
        flags=flags,
    )
    async with app.write() as s:
        return (await svc.file_complaint(s, app.host, filing, FIXED_NOW)).complaint.id


MOVE = """
mutation($id: ID!, $to: ComplaintStatus!, $by: ID!) {
  transitionComplaint(input: {complaintId: $id, to: $to, actingStaffId: $by, reason: "done"}) {
    complaint { status } decision { rule message } userErrors { field message code rule } } }"""
PATH = ["ACKNOWLEDGED", "IN_PROGRESS", "RESOLVED", "REVISITED"]


async def _walk(client: Client, complaint: int, staff: int) -> None:
    for to in PATH:
        await client.data(MOVE, {"id": str(complaint), "to": to, "by": str(staff)})


async def test_frontdesk_validate_complaint_transition_refuses_inside_the_transaction(
    gate_app: Frontdesk, gate: GateLine
) -> None:
    site, li = await _site(gate_app, "gate", "Gate Court")
    cid = await _file(gate_app, site, li)
    client = Client(gate_app)
    await _walk(client, cid, li)
    # Every legal move was put to the line, with the row before the move and the settings.
    assert [(t.previous, t.target) for t in gate.seen] == [
        ("received", "acknowledged"),
        ("acknowledged", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "revisited"),
    ]
    assert gate.seen[0].site.id == site and gate.seen[0].actor_id == li
    assert gate.seen[0].settings["gate"] == {"resolution_days": 1}
    history = await _history_count(gate_app, cid)
    refused = await client.user_error(MOVE, {"id": str(cid), "to": "CLOSED", "by": str(li)})
    assert refused.code == "TRANSITION_REFUSED"
    assert refused.rule == "GATE-2"
    assert refused.field == ["input", "to"]
    assert refused.message == (
        f"complaint {await _number(gate_app, cid)} cannot move from revisited to closed: "
        "not checked (1 complaint(s) on file)"
    )
    # Nothing written: still revisited, no history entry.
    async with gate_app.db.session() as s:
        assert (await s.get_one(Complaint, cid)).status == "revisited"
    assert await _history_count(gate_app, cid) == history
    # A complaint the line lets close closes.
    ok = await _file(gate_app, site, li, flags=("checked",))
    await _walk(client, ok, li)
    closed = await client.data(MOVE, {"id": str(ok), "to": "CLOSED", "by": str(li)})
    assert closed["transitionComplaint"]["complaint"]["status"] == "CLOSED"


async def test_frontdesk_validate_complaint_transition_is_asked_of_the_sites_line_only(
    gate_app: Frontdesk, gate: GateLine
) -> None:
    site, li = await _site(gate_app, "realestate", "Sunrise")
    cid = await _file(gate_app, site, li)
    client = Client(gate_app)
    await _walk(client, cid, li)
    closed = await client.data(MOVE, {"id": str(cid), "to": "CLOSED", "by": str(li)})
    assert closed["transitionComplaint"]["complaint"]["status"] == "CLOSED"
    assert gate.seen == []


async def test_frontdesk_validate_complaint_transition_wrong_answer_is_a_plugin_error(
    gate_app: Frontdesk,
) -> None:
    site, li = await _site(gate_app, "gate", "Gate Court")
    cid = await _file(gate_app, site, li, flags=("bogus",))
    with pytest.raises(FrontdeskError) as exc:
        async with gate_app.write() as s:
            await svc.transition_complaint(
                s, cid, "acknowledged", li, "", FIXED_NOW, host=gate_app.host
            )
    assert exc.value.code == "PLUGIN_CONTRACT_VIOLATION"
    # Without a host (a service caller that predates the hook) the line is not asked.
    async with gate_app.write() as s:
        change = await svc.transition_complaint(s, cid, "acknowledged", li, "", FIXED_NOW)
    assert change.complaint.status == "acknowledged"


async def test_frontdesk_complaint_policy_receives_the_plugins_settings(
    gate_app: Frontdesk,
) -> None:
    site, li = await _site(gate_app, "gate", "Gate Court")
    cid = await _file(gate_app, site, li)
    async with gate_app.db.session() as s:
        complaint = await s.get_one(Complaint, cid)
    assert complaint.resolution_working_days == 1
    assert complaint.policy_rule == "GATE-1"
    assert complaint.policy_reason == "resolved within 1 working days"


async def _history_count(app: Frontdesk, cid: int) -> int:
    async with app.db.session() as s:
        return int(
            await s.scalar(
                select(func.count(ComplaintHistoryEntry.id)).where(
                    ComplaintHistoryEntry.complaint_id == cid
                )
            )
        )


async def _number(app: Frontdesk, cid: int) -> str:
    async with app.db.session() as s:
        return (await s.get_one(Complaint, cid)).number
