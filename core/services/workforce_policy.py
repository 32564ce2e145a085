"""The workforce policy of a site (issue 12): core's numbers as its line and the company-wide
plugins set them (chain hook ``frontdesk_workforce_policy``).  A module of its own so the visit
register (C-3 at the desk) and the workforce services both read it without importing each
other."""

from __future__ import annotations

from typing import Final

from core.contracts import WorkforcePolicy
from core.errors import InvalidInput
from core.models import Site
from core.plugins import PluginHost

#: The event stream of the workforce (swaps, attendance, leave, points, appointments).
STREAM: Final = "workforce"


def workforce_policy(
    host: PluginHost | None, site: Site, settings: dict[str, dict[str, object]]
) -> WorkforcePolicy:
    """Core's numbers, adjusted by the site's line and company-wide plugins (chain hook
    ``frontdesk_workforce_policy``)."""
    policy = WorkforcePolicy()
    if host is None:
        return policy
    policy = host.chain(
        "frontdesk_workforce_policy",
        policy,
        line=site.business_line,
        site=site,
        settings=settings,
    )
    if not isinstance(policy, WorkforcePolicy) or policy.swap_limit_per_month < 0:
        raise InvalidInput(
            "the line's frontdesk_workforce_policy answered an invalid policy",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    return policy
