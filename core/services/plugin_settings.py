"""Reading the operators' stored plugin settings (``plugin_state.settings``).

Its own module so that the services that apply settings (the penalty table sync, check-in)
and the one that writes them (:mod:`core.services.plugin_state`) do not import each other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import PluginState


async def load_settings(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Every plugin's stored settings, ``{code: {...}}`` (plugins never configured: absent)."""
    rows = (await session.execute(select(PluginState.name, PluginState.settings))).all()
    return {name: dict(settings) for name, settings in rows if settings}
