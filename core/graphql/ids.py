"""Global object identification (Schema 1.0, Relay): opaque ids that encode type and key.

Every entity of the schema implements ``Node``; its ``id`` is the standard-alphabet base64 of
``"TypeName:key"`` (the format of ``strawberry.relay.GlobalID``), its old integer key stays
readable as ``legacyId``.  Inputs accept both: a global id of the expected type or the legacy
integer (operators, CSV imports).  A global id of another type is a client mistake,
``INVALID_ID``, never a silent lookup of an unrelated row.

The expected type of an id argument is given explicitly (``parse_id(v, "id", of="Site")``)
or inferred from the argument's name (``siteId`` → Site, ``handlerId`` → Staff …, see
:data:`FIELD_TYPES`).  An argument whose type cannot be inferred accepts a global id of any
type (its key is used): decision written down, because lines pass their own field names.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput

# Ids are 64-bit signed integers in both databases; a larger number is no id at all.
MAX_ID = 2**63 - 1

_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]*$")

#: Argument / input field names whose expected node type is known.
FIELD_TYPES: dict[str, str] = {
    "siteId": "Site",
    "customerId": "Customer",
    "visitId": "Visit",
    "correctsId": "Visit",
    "complaintId": "Complaint",
    "penaltyId": "Penalty",
    "revokesId": "Penalty",
    "departmentId": "Department",
    "shiftId": "Shift",
    "paybackShiftId": "Shift",
    "swapId": "ShiftSwap",
    "endpointId": "WebhookEndpoint",
    "groupId": "CustomerGroup",
    "saleId": "FitnessSale",
    "buyerId": "Customer",
    "userId": "Customer",
}
#: Argument names ending like these take a staff member's id.
STAFF_FIELDS = frozenset(
    {
        "staffId",
        "staffIds",
        "onLeave",
        "receiverId",
        "namedStaffId",
        "handlerId",
        "issuedById",
        "managerId",
        "requesterId",
        "counterpartId",
        "ownerStaffId",
        "actorStaffId",
        "actingStaffId",
        "takenById",
        "closedById",
        "approvedById",
        "consultantId",
        "closerId",
        "claimantId",
        "fromConsultantId",
        "toConsultantId",
        "followUpHolderId",
        "grabberId",
        "decidedById",
        "staffAtFaultId",
        "voucherConsultantId",
        "askedForMemberConsultantId",
        "broughtByMemberConsultantId",
    }
)


def to_global_id(type_name: str, key: int | str) -> str:
    """The opaque global id of ``type_name``'s row ``key`` (base64 of ``"Type:key"``)."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def from_global_id(value: str) -> tuple[str, str] | None:
    """(type name, key) of a global id, or None when ``value`` is not one."""
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, key = text.partition(":")
    if not sep or not _TYPE_NAME.match(type_name) or not key:
        return None
    return type_name, key


def expected_type(field: str) -> str | None:
    """The node type an id argument named ``field`` takes, when known."""
    if field in FIELD_TYPES:
        return FIELD_TYPES[field]
    if field in STAFF_FIELDS:
        return "Staff"
    return None


def _key(number: int, field: str) -> int:
    if number <= 0:
        raise InvalidInput(f"{field} must be positive", code="INVALID_ID", field=field)
    if number > MAX_ID:
        raise InvalidInput(
            f"{field} {number} does not exist (ids are below 2^63)", code="INVALID_ID", field=field
        )
    return number


def parse_id(value: Any, field: str, of: str | None = None) -> int:
    """The integer key of id input ``value``: a global id of type ``of`` (default: inferred
    from ``field``) or a legacy integer.  Anything else is INVALID_ID naming ``field``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _key(value, field)
    text = str(value)
    try:
        return _key(int(text), field)
    except ValueError:
        pass
    decoded = from_global_id(text)
    if decoded is None:
        raise InvalidInput(
            f"{field} must be a global id (from an `id` field) or a legacy numeric id, "
            f"got {value!r}",
            code="INVALID_ID",
            field=field,
        )
    type_name, key = decoded
    wanted = of or expected_type(field)
    if wanted is not None and type_name != wanted:
        raise InvalidInput(
            f"{field} takes the id of a {wanted}, got the id of a {type_name}",
            code="INVALID_ID",
            field=field,
        )
    try:
        return _key(int(key), field)
    except ValueError:
        raise InvalidInput(
            f"{field} {value!r} is not the id of a stored object", code="INVALID_ID", field=field
        ) from None


# --- node types --------------------------------------------------------------------------------

NodeLoader = Callable[[Any, int], Awaitable[Any]]
"""``await load(info, key)``: the object (as its type's resolvers expect it) or None."""


@dataclass(frozen=True)
class NodeType:
    """How ``node(id:)`` fetches one type: its loader and the permission its query needs."""

    name: str
    load: NodeLoader
    permission: str = "read"
    model: Any = None


NODE_TYPES: dict[str, NodeType] = {}
"""Core node types (lines add theirs per schema through ``frontdesk_graphql_nodes``)."""

MODEL_TYPES: dict[Any, str] = {}
"""ORM model class -> GraphQL type name, for resolving ``Node`` on ORM rows."""


def register_node(
    name: str, load: NodeLoader, *, permission: str = "read", model: Any = None
) -> NodeType:
    """Declare how ``node(id:)`` loads type ``name`` (core types; lines: the plugin API)."""
    node = NodeType(name, load, permission, model)
    NODE_TYPES[name] = node
    if model is not None:
        MODEL_TYPES[model] = name
    return node


__all__ = [
    "MAX_ID",
    "MODEL_TYPES",
    "NODE_TYPES",
    "NodeType",
    "expected_type",
    "from_global_id",
    "parse_id",
    "register_node",
    "to_global_id",
]
