"""Every core import of the fitness-club line outside ``core.plugin_api``, in one place.

TODO(plugin-api): issue 7 (the public plugin API) has not landed on main yet; when
``core.plugin_api`` exports these names, import them from there and delete this module.
"""

from __future__ import annotations

from core.db import Base  # TODO(plugin-api)
from core.errors import Conflict, FrontdeskError, InvalidInput, NotFound  # TODO(plugin-api)
from core.events import record_event  # TODO(plugin-api)
from core.graphql.queries import parse_id  # TODO(plugin-api)
from core.graphql.scalars import Money  # TODO(plugin-api): the Money scalar is not planned
from core.graphql.types import Decision  # TODO(plugin-api)
from core.hookspecs import hookimpl  # TODO(plugin-api)
from core.models import (  # TODO(plugin-api)
    Customer,
    CustomerClass,
    PluginState,
    Site,
    Staff,
    UTCDateTime,
    Visit,
)
from core.services.directory import add_staff, get_site, register_customer  # TODO(plugin-api)
from core.services.penalties import issue_penalty  # TODO(plugin-api)

__all__ = [
    "Base",
    "Conflict",
    "Customer",
    "CustomerClass",
    "Decision",
    "FrontdeskError",
    "InvalidInput",
    "Money",
    "NotFound",
    "PluginState",
    "Site",
    "Staff",
    "UTCDateTime",
    "Visit",
    "add_staff",
    "get_site",
    "hookimpl",
    "issue_penalty",
    "parse_id",
    "record_event",
    "register_customer",
]
