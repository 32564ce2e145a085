"""Which business lines are switched on; the state lives in ``plugin_states``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.events import record_event
from core.models import PluginState
from core.plugins import PluginHost
from core.services.penalties import sync_penalty_table
from core.services.plugin_settings import load_settings as load_settings  # re-exported


async def load_enabled(session: AsyncSession, host: PluginHost) -> set[str]:
    """Enabled plugin codes: stored state, else each plugin's ``enabled_by_default``."""
    rows = {s.name: s.enabled for s in (await session.scalars(select(PluginState))).all()}
    return {
        name
        for name, plugin in host.installed.items()
        if rows.get(name, plugin.info.enabled_by_default)
    }


def require_installed(host: PluginHost, name: str) -> None:
    """UNKNOWN_PLUGIN, naming the installed ones, unless ``name`` is installed."""
    if name not in host.installed:
        known = ", ".join(sorted(host.installed)) or "none"
        raise NotFound(
            f"no plugin named {name!r} is installed (installed: {known})", code="UNKNOWN_PLUGIN"
        )


def validate_settings(host: PluginHost, name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` as plugin ``name`` normalises them (``frontdesk_validate_settings``).

    INVALID_SETTINGS when the plugin refuses them, takes no settings, or answers with values
    that are not JSON.
    """
    try:
        answer = host.pm.hook.frontdesk_validate_settings(plugin=name, settings=dict(settings))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"{name} settings: {exc}", code="INVALID_SETTINGS", field="settings"
        ) from exc
    if answer is None:
        if settings:
            raise InvalidInput(
                f"plugin {name} takes no settings (got {', '.join(sorted(settings))})",
                code="INVALID_SETTINGS",
                field="settings",
            )
        return {}
    try:
        return json.loads(json.dumps(answer, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{name} settings must be JSON values: {exc}", code="INVALID_SETTINGS"
        ) from exc


async def configure_plugin(
    session: AsyncSession,
    host: PluginHost,
    name: str,
    changes: Mapping[str, Any],
    now: datetime,
) -> PluginState:
    """Merge ``changes`` into plugin ``name``'s settings (a ``None`` value removes the key).

    The plugin validates the result; on INVALID_SETTINGS nothing is written.  An enabled
    business line's penalty table is re-synced (an operator may have tuned it), and a
    ``plugin.configured`` event tells every server process.
    """
    require_installed(host, name)
    state = await session.get(PluginState, name, with_for_update=True)
    merged = dict(state.settings or {}) if state is not None else {}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    normalised = validate_settings(host, name, merged)
    if state is None:
        enabled = host.installed[name].info.enabled_by_default
        state = PluginState(name=name, enabled=enabled, changed_at=now, settings=normalised)
        session.add(state)
    else:
        state.settings = normalised
        state.changed_at = now
    await session.flush()
    line = host.installed[name].info.business_line
    if state.enabled and line:
        await sync_penalty_table(session, host, line, include_disabled=True)
    await record_event(
        session,
        stream="plugins",
        type="plugin.configured",
        now=now,
        payload={"plugin": name, "settings": normalised},
    )
    return state


async def set_plugin_enabled(
    session: AsyncSession, host: PluginHost, name: str, enabled: bool, now: datetime
) -> PluginState:
    """Switch a plugin on or off.  Turning a line off keeps every row it wrote."""
    require_installed(host, name)
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
