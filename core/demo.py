"""Demo data: a site per enabled line, filled by the line's ``frontdesk_demo_data`` hook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from core.contracts import DemoContext
from core.models import Site
from core.runtime import Frontdesk
from core.services.directory import create_site
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings


async def load_demo(url: str, lines: list[str], report: Callable[[str], None]) -> str:
    fd = Frontdesk(Settings.from_env(database_url=url))
    await fd.start(watch=False)
    try:
        now = datetime.now(UTC)
        for name in lines:
            report(f"enabling {name}")
            async with fd.write() as s:
                await set_plugin_enabled(s, fd.host, name, True, now)
        await fd.refresh_plugins()
        created = []
        for code, plugin in sorted(fd.host.business_lines().items()):
            if plugin.info.code not in fd.host.enabled:
                continue
            site_name = f"Demo {plugin.info.name}"
            async with fd.write() as s:
                site = await s.scalar(select(Site).where(Site.name == site_name))
                if site is not None:
                    report(f"{site_name} exists; skipping")
                    continue
                site = await create_site(
                    s,
                    fd.host,
                    name=site_name,
                    business_line=code,
                    timezone="Asia/Shanghai",
                    calendar_region="CN",
                    now=now,
                )
                ctx = DemoContext(
                    session=s, now=now, progress=report, sites={code: site}, host=fd.host
                )
                await fd.host.acall("frontdesk_demo_data", context=ctx)
                created.append(f"{site_name} (site {site.id})")
        return ", ".join(created) or "nothing new (already loaded)"
    finally:
        await fd.stop()
