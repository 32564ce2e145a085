"""Typed events (Schema 1.0, issue 17): the GraphQL types of the event log's streams.

``ComplaintEvent`` is an interface with one implementation per kind of change (C-9: filed,
transitioned, assigned, escalated, overdue, progress update, special case, fault verified);
``VisitEvent`` is the visit register's (C-4: checked in, corrected).  Every typed field that
comes from the stored event's ``payload`` is declared with :func:`payload_field`, which
records the payload key it reads: the webhook documentation (``docs/webhooks.md``,
:func:`schema.docs.webhooks_markdown`) is generated from these same declarations, so the
body a receiver gets and the fields a subscriber selects cannot drift apart.

Object links (``complaint``, ``actor``, ``handler``, ``visit`` …) are loaded through the
``node(id:)`` loaders with the client's selection, one query per link and event (a
subscription delivers one event per message).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from core.contracts import DomainEvent
from core.graphql.complaints import OverdueKind
from core.graphql.ids import NODE_TYPES
from core.graphql.types import (
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Decision,
    EscalationLevel,
    Penalty,
    Site,
    Staff,
    Visit,
    encode_cursor,
    global_id_of,
)

CURSOR_KIND = "event"

#: Field metadata key: the :class:`PayloadKey` a field reads.
PAYLOAD: Final = "frontdesk_payload_key"


@dataclass(frozen=True)
class PayloadKey:
    """Where a typed field comes from in the event's payload, and its JSON shape there."""

    key: str
    json: str


async def _load(info: Info, type_name: str, key: Any) -> Any:
    if key is None:
        return None
    try:
        number = int(key)
    except (TypeError, ValueError):
        return None
    return await NODE_TYPES[type_name].load(info, number)


def payload_field(
    key: str,
    returns: Any,
    description: str,
    *,
    json: str,
    convert: Callable[[Any], Any] | None = None,
    link: str | None = None,
    name: str | None = None,
) -> Any:
    """A field reading ``payload[key]`` of the event (None when absent): as is, through
    ``convert``, or, with ``link``, as the object of that node type whose key it holds."""
    if link is not None:

        async def resolve_link(self: Any, info: Info) -> Any:
            return await _load(info, link, self._event.payload.get(key))

        resolve_link.__annotations__ = {"info": Info, "return": returns}
        resolver: Any = resolve_link
    else:

        def resolve_value(self: Any) -> Any:
            value = self._event.payload.get(key)
            if value is None or convert is None:
                return value
            try:
                return convert(value)
            except (TypeError, ValueError, KeyError):
                return None  # a payload written by an older version: null, not an error

        resolve_value.__annotations__ = {"return": returns}
        resolver = resolve_value
    resolver.__name__ = f"payload_{key}"
    return strawberry.field(
        resolver=resolver,
        name=name,
        description=description,
        metadata={PAYLOAD: PayloadKey(key, json)},
    )


def _moment(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def payload_keys(cls: type) -> list[tuple[str, PayloadKey, str, str]]:
    """``(GraphQL field, payload key, GraphQL type, description)`` of ``cls``'s payload fields."""
    out = []
    for f in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        keys = (f.metadata or {}).get(PAYLOAD)
        if keys is None:
            continue
        name = f.graphql_name or _camel(f.python_name)
        for key in keys if isinstance(keys, tuple) else (keys,):
            out.append((name, key, _type_name(f.type), f.description or ""))
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _type_name(t: Any) -> str:
    from strawberry.types.base import StrawberryList, StrawberryOptional

    if isinstance(t, StrawberryOptional):
        return _type_name(t.of_type).rstrip("!")
    if isinstance(t, StrawberryList):
        return f"[{_type_name(t.of_type)}]!"
    definition = (
        getattr(t, "__strawberry_definition__", None)
        or getattr(t, "_enum_definition", None)
        or (t if isinstance(getattr(t, "name", None), str) else None)
    )
    name = getattr(definition, "name", None)
    if name is None:
        name = {
            str: "String",
            int: "Int",
            bool: "Boolean",
            datetime: "DateTime",
            Decimal: "Decimal",
        }.get(t, getattr(t, "__name__", str(t)))
    return f"{name}!"


# --- complaint events ---------------------------------------------------------------------------


@strawberry.enum(description="What a complaint event records (C-9); each has its own type.")
class ComplaintEventKind(enum.Enum):
    FILED = strawberry.enum_value(
        "filed", description="C-7: the complaint was taken (`ComplaintFiledEvent`)."
    )
    TRANSITIONED = strawberry.enum_value(
        "transitioned",
        description="C-9: the complaint moved to another state (`ComplaintTransitionedEvent`).",
    )
    ASSIGNED = strawberry.enum_value(
        "assigned",
        description="C-10: a handler was given the complaint (`ComplaintAssignedEvent`).",
    )
    ESCALATED = strawberry.enum_value(
        "escalated", description="C-10: one step up the chain (`ComplaintEscalatedEvent`)."
    )
    OVERDUE = strawberry.enum_value(
        "overdue",
        description="C-8, C-11: a deadline passed; reported once (`ComplaintOverdueEvent`).",
    )
    PROGRESS_UPDATE = strawberry.enum_value(
        "progress_update",
        description="C-8: the customer was told of the progress (`ComplaintProgressUpdateEvent`).",
    )
    SPECIAL_CASE = strawberry.enum_value(
        "special_case",
        description="C-11: marked a special case, with a reason (`ComplaintSpecialCaseEvent`).",
    )
    FAULT_VERIFIED = strawberry.enum_value(
        "fault_verified",
        description="C-14: the complaint was verified as a staff member's fault, penalties "
        "issued (`ComplaintFaultVerifiedEvent`).",
    )
    OTHER = strawberry.enum_value(
        "other",
        description="A kind this version does not know (a newer server or a line's own "
        "event): `ComplaintOtherEvent`, read `type` and `payload`.",
    )


@strawberry.interface(
    description="One change in a complaint's life (C-9), from the event log: one type per "
    "kind (`kind`, `__typename`), each with typed fields and object links.  The same events "
    "reach webhooks (docs/webhooks.md documents their bodies from these types)."
)
class ComplaintEvent:
    _event: strawberry.Private[DomainEvent]

    @strawberry.field(description="Opaque; pass it as `after` to resume right after this event.")
    def cursor(self) -> str:
        return encode_cursor(CURSOR_KIND, self._event.id)

    @strawberry.field(
        description="The event's position in the event log (its webhook `Frontdesk-Event-Id`); "
        "not a node id."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._event.id))

    @strawberry.field(
        description='The stored event type, e.g. "complaint.filed", "complaint.acknowledged".',
        deprecation_reason="Use `kind` and the event's own fields (`toStatus` on "
        "ComplaintTransitionedEvent); removed in 2.0.",
    )
    def type(self) -> str:
        return self._event.type

    @strawberry.field(description="What kind of change this event records.")
    def kind(self) -> ComplaintEventKind:
        return complaint_event_kind(self._event.type)

    @strawberry.field(
        description="The site's global id.", deprecation_reason="Use `site`; removed in 2.0."
    )
    def site_id(self) -> strawberry.ID | None:
        return global_id_of("Site", self._event.site_id)

    @strawberry.field(
        description="The complaint's global id.",
        deprecation_reason="Use `complaint`; removed in 2.0.",
    )
    def complaint_id(self) -> strawberry.ID | None:
        return global_id_of("Complaint", self._event.subject_id)

    @strawberry.field(description="When the change was recorded (UTC).")
    def occurred_at(self) -> datetime:
        return self._event.occurred_at

    @strawberry.field(
        description="The event's details, as recorded (and as webhooks receive them).",
        deprecation_reason="Use the typed fields of the event's type; removed in 2.0.",
    )
    def payload(self) -> JSON:
        return self._event.payload

    @strawberry.field(description="The site of the complaint.")
    async def site(self, info: Info) -> Site | None:
        return await _load(info, "Site", self._event.site_id)

    @strawberry.field(description="The complaint, as it is now (refetch-free).")
    async def complaint(self, info: Info) -> Complaint | None:
        return await _load(info, "Complaint", self._event.subject_id)

    number = payload_field(
        "number", str | None, "C-6: the complaint's number at the time.", json="string"
    )
    cycle = payload_field(
        "cycle",
        int | None,
        "Which handling cycle of the complaint (a reopening starts a new one).",
        json="integer",
    )
    actor = payload_field(
        "actor_staff_id",
        Staff | None,
        "C-9: who made the change; null when the system did (the overdue sweep).",
        json="integer (staff id)",
        link="Staff",
    )
    recorded_by = payload_field(
        "recorded_by_staff_id",
        Staff | None,
        "C-13 act_for: the staff member whose token recorded the change on the actor's "
        "behalf; null when the actor recorded it themselves.",
        json="integer (staff id)",
        link="Staff",
    )
    note = payload_field(
        "reason",
        str | None,
        "What the actor wrote: the reason or note given with the change (may be empty).",
        json="string",
    )

    @strawberry.field(
        description="The rule that decided (or reported) the change and why.",
        metadata={
            PAYLOAD: (PayloadKey("rule", "string (rule id)"), PayloadKey("message", "string"))
        },
    )
    def decision(self) -> Decision | None:
        rule = self._event.payload.get("rule")
        if not rule:
            return None
        return Decision(rule=str(rule), message=str(self._event.payload.get("message") or ""))


def _deadlines() -> dict[str, Any]:
    def due(key: str, what: str) -> Any:
        return payload_field(
            key,
            datetime | None,
            f"{what} after this change (UTC).",
            json="ISO 8601 string",
            convert=_moment,
        )

    return {
        "first_response_due": due("first_response_due", "C-8: the first response is due"),
        "resolution_due": due("resolution_due", "C-11: the resolution is due"),
        "special_case_due": due("special_case_due", "C-11: a special case must be resolved"),
        "revisit_due": due("revisit_due", "C-9: the revisit is due"),
        "progress_update_due": due("progress_update_due", "C-8: the next progress update is due"),
    }


def _event_type(name: str, description: str, extra: dict[str, Any] | None = None) -> type:
    namespace: dict[str, Any] = {"__module__": __name__, **(extra or {})}
    cls = type(name, (ComplaintEvent,), namespace)
    return strawberry.type(cls, name=name, description=description)


ComplaintFiledEvent = _event_type(
    "ComplaintFiledEvent",
    "C-7: a complaint was taken (event type `complaint.filed`).",
    {
        "severity": payload_field(
            "severity",
            str | None,
            'PM-4: "general" or "major" (a line may raise it).',
            json="string",
        ),
        "category": payload_field("category", str | None, "What it is about.", json="string"),
        "channel": payload_field(
            "channel",
            ComplaintChannel | None,
            "C-7: how it came in.",
            json="string (lower case)",
            convert=ComplaintChannel,
        ),
        "handler": payload_field(
            "handler_id",
            Staff | None,
            "C-10: who handles it from the start, if anyone yet.",
            json="integer (staff id) or null",
            link="Staff",
        ),
        **_deadlines(),
    },
)
ComplaintTransitionedEvent = _event_type(
    "ComplaintTransitionedEvent",
    "C-9: a complaint moved from one state to another (event type `complaint.<new state>`, "
    'e.g. "complaint.acknowledged").',
    {
        "from_status": payload_field(
            "from",
            ComplaintStatus | None,
            "The state it left.",
            json="string (lower case)",
            convert=ComplaintStatus,
        ),
        "to_status": payload_field(
            "to",
            ComplaintStatus | None,
            "The state it is in now.",
            json="string (lower case)",
            convert=ComplaintStatus,
        ),
        **_deadlines(),
    },
)
ComplaintAssignedEvent = _event_type(
    "ComplaintAssignedEvent",
    "C-10: a handler was given the complaint (event type `complaint.assigned`); also when the "
    "first responder of an unassigned complaint takes it.",
    {
        "handler": payload_field(
            "handler_id",
            Staff | None,
            "Who handles the complaint now.",
            json="integer (staff id)",
            link="Staff",
        ),
        "previous_handler": payload_field(
            "previous_handler_id",
            Staff | None,
            "Who handled it before, if anyone.",
            json="integer (staff id) or null",
            link="Staff",
        ),
    },
)
ComplaintEscalatedEvent = _event_type(
    "ComplaintEscalatedEvent",
    "C-10: one step up the chain (event type `complaint.escalated`); the event is the "
    "notification of the next level.",
    {
        "level": payload_field(
            "level",
            EscalationLevel | None,
            "The level it is at now.",
            json="integer (0 handler … 3 general manager)",
            convert=lambda v: EscalationLevel(int(v)),
        ),
        "previous_level": payload_field(
            "previous_level",
            EscalationLevel | None,
            "The level it was at.",
            json="integer",
            convert=lambda v: EscalationLevel(int(v)),
        ),
    },
)
ComplaintOverdueEvent = _event_type(
    "ComplaintOverdueEvent",
    "C-8, C-11: a deadline passed; the overdue sweep reports each once (event type "
    "`complaint.overdue`, no actor).",
    {
        "overdue_kind": payload_field(
            "kind",
            OverdueKind | None,
            "Which deadline passed.",
            json="string (lower case)",
            convert=OverdueKind,
        ),
        "due": payload_field(
            "due",
            datetime | None,
            "When it was due (UTC).",
            json="ISO 8601 string",
            convert=_moment,
        ),
    },
)
ComplaintProgressUpdateEvent = _event_type(
    "ComplaintProgressUpdateEvent",
    "C-8: the customer was told of the progress (event type `complaint.progress_update`); "
    "`note` is what they were told.",
    _deadlines(),
)
ComplaintSpecialCaseEvent = _event_type(
    "ComplaintSpecialCaseEvent",
    "C-11: the complaint was marked a special case (event type `complaint.special_case`); "
    "`note` is the reason, the resolution is due at the special-case limit.",
    _deadlines(),
)


async def _penalties(self: Any, info: Info) -> list[Penalty]:
    out = []
    for key in self._event.payload.get("penalty_ids") or []:
        penalty = await _load(info, "Penalty", key)
        if penalty is not None:
            out.append(penalty)
    return out


ComplaintFaultVerifiedEvent = _event_type(
    "ComplaintFaultVerifiedEvent",
    "C-14: the complaint was verified as caused by a staff member's service (event type "
    "`complaint.fault_verified`); the fines are penalties.",
    {
        "staff_at_fault": payload_field(
            "staff_id",
            Staff | None,
            "Whose service caused the complaint.",
            json="integer (staff id)",
            link="Staff",
        ),
        "manager": payload_field(
            "manager_id",
            Staff | None,
            "C-14: the first-responsible manager fined with them, if any.",
            json="integer (staff id) or null",
            link="Staff",
        ),
        "amounts": payload_field(
            "amounts",
            list[Decimal] | None,
            "The amounts issued (CNY), in the order of `penalties`.",
            json="array of decimal strings",
            convert=lambda v: [Decimal(str(a)) for a in v],
        ),
        "penalties": strawberry.field(
            resolver=_penalties,
            description="C-14: the penalties issued, in the order of `amounts`.",
            metadata={PAYLOAD: PayloadKey("penalty_ids", "array of integers (penalty ids)")},
        ),
        "codes": payload_field(
            "codes",
            list[str] | None,
            "The penalty-rule codes charged, in the order of `penalties`.",
            json="array of strings",
        ),
    },
)
ComplaintOtherEvent = _event_type(
    "ComplaintOtherEvent",
    "A complaint event of a kind this version does not type (read `type` and `payload`).",
)


_TRANSITIONS = frozenset(f"complaint.{s.value}" for s in ComplaintStatus)
_COMPLAINT_TYPES: dict[str, tuple[ComplaintEventKind, type]] = {
    "complaint.filed": (ComplaintEventKind.FILED, ComplaintFiledEvent),
    "complaint.assigned": (ComplaintEventKind.ASSIGNED, ComplaintAssignedEvent),
    "complaint.escalated": (ComplaintEventKind.ESCALATED, ComplaintEscalatedEvent),
    "complaint.overdue": (ComplaintEventKind.OVERDUE, ComplaintOverdueEvent),
    "complaint.progress_update": (
        ComplaintEventKind.PROGRESS_UPDATE,
        ComplaintProgressUpdateEvent,
    ),
    "complaint.special_case": (ComplaintEventKind.SPECIAL_CASE, ComplaintSpecialCaseEvent),
    "complaint.fault_verified": (ComplaintEventKind.FAULT_VERIFIED, ComplaintFaultVerifiedEvent),
}

#: Every implementation of ComplaintEvent, with the stored event types it stands for (docs).
COMPLAINT_EVENT_TYPES: list[tuple[type, str]] = [
    (ComplaintFiledEvent, "complaint.filed"),
    (
        ComplaintTransitionedEvent,
        ", ".join(sorted(_TRANSITIONS - {"complaint.filed", "complaint.received"})),
    ),
    (ComplaintAssignedEvent, "complaint.assigned"),
    (ComplaintEscalatedEvent, "complaint.escalated"),
    (ComplaintOverdueEvent, "complaint.overdue"),
    (ComplaintProgressUpdateEvent, "complaint.progress_update"),
    (ComplaintSpecialCaseEvent, "complaint.special_case"),
    (ComplaintFaultVerifiedEvent, "complaint.fault_verified"),
    (ComplaintOtherEvent, "any other"),
]


def _complaint_kind_and_class(event_type: str) -> tuple[ComplaintEventKind, type]:
    known = _COMPLAINT_TYPES.get(event_type)
    if known is not None:
        return known
    if event_type in _TRANSITIONS:
        return ComplaintEventKind.TRANSITIONED, ComplaintTransitionedEvent
    return ComplaintEventKind.OTHER, ComplaintOtherEvent


def complaint_event_kind(event_type: str) -> ComplaintEventKind:
    return _complaint_kind_and_class(event_type)[0]


def complaint_event_typename(event_type: str) -> str:
    """The GraphQL type of a stored complaint event (the fast path's ``__typename``)."""
    cls = _complaint_kind_and_class(event_type)[1]
    return cls.__strawberry_definition__.name  # type: ignore[attr-defined]


def complaint_event(e: DomainEvent) -> Any:
    """The typed ComplaintEvent of stored event ``e``."""
    return _complaint_kind_and_class(e.type)[1](_event=e)


# --- visit events ---------------------------------------------------------------------------


@strawberry.enum(description="What a visit event records (C-4: the register is append-only).")
class VisitEventKind(enum.Enum):
    CHECKED_IN = strawberry.enum_value(
        "checked_in", description="A visit was registered (event type `visit.checked_in`)."
    )
    CORRECTED = strawberry.enum_value(
        "corrected",
        description="C-4: a correction entry was added for an earlier one (event type "
        "`visit.corrected`).",
    )
    OTHER = strawberry.enum_value(
        "other", description="A kind this version does not know: read `type`."
    )


_VISIT_KINDS = {
    "visit.checked_in": VisitEventKind.CHECKED_IN,
    "visit.corrected": VisitEventKind.CORRECTED,
}


@strawberry.type(
    description="One entry written to a site's visit register (C-4), from the event log: "
    "the live feed of the visit board (`visitUpdates`)."
)
class VisitEvent:
    _event: strawberry.Private[DomainEvent]

    @strawberry.field(description="Opaque; pass it as `after` to resume right after this event.")
    def cursor(self) -> str:
        return encode_cursor(CURSOR_KIND, self._event.id)

    @strawberry.field(
        description="The event's position in the event log (its webhook `Frontdesk-Event-Id`); "
        "not a node id."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._event.id))

    @strawberry.field(description='The stored event type, e.g. "visit.checked_in".')
    def type(self) -> str:
        return self._event.type

    @strawberry.field(description="What kind of entry this event records.")
    def kind(self) -> VisitEventKind:
        return _VISIT_KINDS.get(self._event.type, VisitEventKind.OTHER)

    @strawberry.field(description="When the entry was recorded (UTC).")
    def occurred_at(self) -> datetime:
        return self._event.occurred_at

    @strawberry.field(description="The site whose register holds the entry.")
    async def site(self, info: Info) -> Site | None:
        return await _load(info, "Site", self._event.site_id)

    @strawberry.field(
        description="The register entry written (for a correction: the correcting entry), as "
        "it is now."
    )
    async def visit(self, info: Info) -> Visit | None:
        return await _load(info, "Visit", self._event.subject_id)

    receiver = payload_field(
        "receiver_id",
        Staff | None,
        "Checked in: who received the visitor (the line's rotation decided, or the desk).",
        json="integer (staff id) or null",
        link="Staff",
    )
    counted = payload_field(
        "counted",
        bool | None,
        "Checked in: whether the reception counts (RE-15 …).",
        json="boolean",
    )
    corrects = payload_field(
        "corrects",
        Visit | None,
        "Corrected: the earlier entry this one corrects (C-4).",
        json="integer (visit id)",
        link="Visit",
    )
    note = payload_field(
        "reason",
        str | None,
        "Checked in: why the receiver was chosen; corrected: why the entry was corrected.",
        json="string",
    )

    @strawberry.field(
        description="Checked in: the rule that chose the receiver, and why (`note`).",
        metadata={PAYLOAD: PayloadKey("rule", "string (rule id)")},
    )
    def decision(self) -> Decision | None:
        rule = self._event.payload.get("rule")
        if not rule:
            return None
        return Decision(rule=str(rule), message=str(self._event.payload.get("reason") or ""))


#: The visit stream's event types, for the docs.
VISIT_EVENT_TYPES: list[tuple[type, str]] = [(VisitEvent, "visit.checked_in, visit.corrected")]


def visit_event(e: DomainEvent) -> VisitEvent:
    return VisitEvent(_event=e)  # type: ignore[call-arg]


#: The types the schema must know although no field returns them by name.
EVENT_TYPES: list[type] = [cls for cls, _ in COMPLAINT_EVENT_TYPES]
