"""Line fields on core inputs (issue 7): one hook, one field type, every extensible input.

A line declares :class:`~core.contracts.LineInput` entries (``frontdesk_graphql_input_fields``);
the schema being built gets its own subclass of each extended input with those fields
(optional, named after the line).  After core has written the entity, in the same
transaction, :func:`deliver_line_inputs` hands each value to the line owning the site
(``frontdesk_line_input_received``).  A value for another line than the site's is refused
with LINE_INPUT_MISMATCH and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core.contracts import LineInputReceived
from core.errors import InvalidInput, LineDisabled

#: The core inputs a line may extend.
EXTENSIBLE_INPUTS: tuple[str, ...] = (
    "CheckInVisitInput",
    "CreateSiteInput",
    "AddStaffInput",
    "RegisterCustomerInput",
    "FileComplaintInput",
)


def line_values(info: Info, input_name: str, value: Any) -> dict[str, tuple[str, Any]]:
    """``{field name: (owning line, value)}`` of the line fields set on ``value``."""
    registry: dict[str, dict[str, str]] = getattr(info.schema, "line_inputs", {})
    out = {}
    for name, line in registry.get(input_name, {}).items():
        given = getattr(value, name, None)
        if given is not None:
            out[name] = (line, given)
    return out


async def deliver_line_inputs(
    info: Info,
    session: AsyncSession,
    input_name: str,
    value: Any,
    *,
    site: Any,
    subject_id: int,
    now: datetime,
) -> None:
    """Hand the line fields set on ``value`` to the site's line, inside ``session``.

    A field of a line that is switched off stays in the schema (issue 17) and is refused
    with LINE_DISABLED; nothing is written."""
    for name, (line, given) in line_values(info, input_name, value).items():
        if line not in info.context.host.enabled_lines():
            raise LineDisabled(
                f"{input_name}.{name} belongs to the {line} line, which is switched off",
                field=name,
            )
        if line != site.business_line:
            raise InvalidInput(
                f"{input_name}.{name} belongs to the {line} line; site {site.id} is a "
                f"{site.business_line} site",
                code="LINE_INPUT_MISMATCH",
                field=name,
            )
        await info.context.host.acall_line(
            line,
            "frontdesk_line_input_received",
            received=LineInputReceived(
                session=session,
                site=site,
                input=input_name,
                subject_id=subject_id,
                value=given,
                now=now,
            ),
        )
