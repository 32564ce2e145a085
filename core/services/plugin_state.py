"""Which business lines are switched on; the state lives in ``plugin_states``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.events import record_event
from core.models import PluginState
from core.plugins import PluginHost
from core.services.penalties import sync_penalty_table


async def load_enabled(session: AsyncSession, host: PluginHost) -> set[str]:
    """Enabled plugin codes: stored state, else each plugin's ``enabled_by_default``."""
    rows = {s.name: s.enabled for s in (await session.scalars(select(PluginState))).all()}
    return {
        name
        for name, plugin in host.installed.items()
        if rows.get(name, plugin.info.enabled_by_default)
    }


async def set_plugin_enabled(
    session: AsyncSession, host: PluginHost, name: str, enabled: bool, now: datetime
) -> PluginState:
    """Switch a plugin on or off.  Turning a line off keeps every row it wrote."""
    if name not in host.installed:
        known = ", ".join(sorted(host.installed)) or "none"
        raise NotFound(
            f"no plugin named {name!r} is installed (installed: {known})", code="UNKNOWN_PLUGIN"
        )
    state = await session.get(PluginState, name)
    if state is None:
        state = PluginState(name=name, enabled=enabled, changed_at=now, settings={})
        session.add(state)
    else:
        state.enabled = enabled
        state.changed_at = now
    line = host.installed[name].info.business_line
    if enabled and line:
        await sync_penalty_table(session, host, line, include_disabled=True)
    await session.flush()
    await record_event(
        session,
        stream="plugins",
        type="plugin.enabled" if enabled else "plugin.disabled",
        now=now,
        payload={"plugin": name, "enabled": enabled},
    )
    return state
