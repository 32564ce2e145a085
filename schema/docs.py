"""docs/errors.md, generated from the schema's error-code enums (``frontdesk docs``).

The README's list of error codes is this file: the enums in the schema are the source, so the
list a client reads and the codes the server answers cannot drift (tests/test_error_codes.py
fails when the committed file is stale).
"""

from __future__ import annotations

from collections import defaultdict

from graphql import GraphQLEnumType, GraphQLList, GraphQLObjectType, get_named_type

from core.errors import COMMON_CODES, TOP_LEVEL_CODES


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def errors_markdown() -> str:
    """The error-code reference of the built-in schema (every built-in line installed)."""
    from schema.build import builtin_schema

    schema = builtin_schema()._schema
    domains: dict[str, GraphQLEnumType] = {}
    users: dict[str, list[str]] = defaultdict(list)
    for name, t in sorted(schema.type_map.items()):
        if isinstance(t, GraphQLEnumType) and name.endswith("ErrorCode"):
            domains[name[: -len("ErrorCode")]] = t
    mutation = schema.mutation_type
    assert mutation is not None
    for field_name, field in sorted(mutation.fields.items()):
        payload = get_named_type(field.type)
        if not isinstance(payload, GraphQLObjectType) or "userErrors" not in payload.fields:
            continue
        error_type = payload.fields["userErrors"].type
        while not isinstance(error_type, GraphQLObjectType):
            error_type = error_type.of_type  # type: ignore[union-attr]
            if isinstance(error_type, GraphQLList):
                error_type = error_type.of_type
        users[error_type.name[: -len("UserError")]].append(field_name)
    lines = [
        "# Error codes",
        "",
        "Generated from the schema by `frontdesk docs`; do not edit. Schema 1.0 (issue 17).",
        "",
        "A client's mistake in a mutation is **data**: the payload's `userErrors` (each with",
        '`field`, the path into the input such as `["input", "siteId"]`, a `message`, a',
        "`code` of the mutation's `<Domain>ErrorCode` enum and, when a business rule refused,",
        "its `rule`); the result fields are null and nothing was written. Everything else —",
        "authentication, permissions, limits, outages, bugs — is a top-level GraphQL error",
        "with `extensions.code`.",
        "",
        "## Top-level errors (`errors[].extensions.code`)",
        "",
        "| Code | Meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{c}` | {_cell(d)} |" for c, d in sorted(TOP_LEVEL_CODES.items())]
    lines += [
        "",
        "## User errors common to every mutation",
        "",
        "Every `<Domain>ErrorCode` enum has these values.",
        "",
        "| Code | Meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{c}` | {_cell(d)} |" for c, d in sorted(COMMON_CODES.items())]
    for domain, enum in domains.items():
        mutations = users.get(domain, [])
        lines += [
            "",
            f"## `{domain}ErrorCode`",
            "",
            _cell(enum.description or ""),
            "",
            "Used by: " + (", ".join(f"`{m}`" for m in mutations) or "—") + ".",
            "",
            "| Code | Meaning |",
            "| --- | --- |",
        ]
        own = {c: v for c, v in enum.values.items() if c not in COMMON_CODES}
        lines += [f"| `{c}` | {_cell(v.description or '')} |" for c, v in sorted(own.items())]
    return "\n".join(lines) + "\n"


def webhooks_markdown() -> str:
    """docs/webhooks.md: the bodies webhook receivers get, from the typed event declarations
    of ``core.graphql.events`` (the same ones the GraphQL event types are built from)."""
    from core.graphql import events as typed

    common = typed.payload_keys(typed.ComplaintEvent)
    common_fields = {name for name, *_ in common}

    def table(rows: list[tuple[str, typed.PayloadKey, str, str]]) -> list[str]:
        out = [
            "| Payload key | JSON | GraphQL field | Meaning |",
            "| --- | --- | --- | --- |",
        ]
        out += [
            f"| `{key.key}` | {_cell(key.json)} | `{name}: {gql}` | {_cell(description)} |"
            for name, key, gql, description in rows
        ]
        return out

    lines = [
        "# Webhook events",
        "",
        "Generated from the GraphQL event types by `frontdesk docs`; do not edit. Schema 1.0",
        "(issue 17): the typed fields of `ComplaintEvent` and `VisitEvent` and the payload keys",
        "below are declared once (`core/graphql/events.py`), so a webhook body and a",
        "subscription's typed fields cannot drift apart.",
        "",
        "## The body",
        "",
        "Every delivery is a `POST` of one event as JSON, signed (`Frontdesk-Signature`,",
        "`Frontdesk-Timestamp`, `Frontdesk-Event-Id`; see the README). Ids in a body are the",
        "legacy integer keys as strings (`legacyId` in GraphQL), not global ids.",
        "",
        "| Key | JSON | Meaning |",
        "| --- | --- | --- |",
        "| `id` | string | The event's position in the event log; `Frontdesk-Event-Id`. |",
        '| `type` | string | The event type, e.g. `"complaint.filed"` (endpoints filter on it). |',
        "| `stream` | string | `complaints`, `visits`, `workforce`, `penalties`, a line's own … |",
        "| `siteId` | string or null | The site's legacy id. |",
        "| `subjectId` | string or null | The complaint, visit … the event is about. |",
        "| `occurredAt` | ISO 8601 string | When it was recorded (UTC). |",
        "| `payload` | object | The event's details: the keys below, by event type. |",
        "",
        "## Complaint events (stream `complaints`)",
        "",
        _cell(typed.ComplaintEvent.__strawberry_definition__.description or ""),  # type: ignore[attr-defined]
        "",
        "Every complaint event's payload has these keys (`ComplaintEvent`, every kind); ids",
        "are integers:",
        "",
        *table(common),
    ]
    for cls, types in typed.COMPLAINT_EVENT_TYPES:
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        own = [row for row in typed.payload_keys(cls) if row[0] not in common_fields]
        lines += [
            "",
            f"### `{definition.name}`",
            "",
            f"Event types: {_cell(', '.join(f'`{t}`' for t in types.split(', ')))}.",
            "",
            _cell(definition.description or ""),
        ]
        if own:
            lines += ["", "Its own payload keys:", "", *table(own)]
    for cls, types in typed.VISIT_EVENT_TYPES:
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        lines += [
            "",
            "## Visit events (stream `visits`)",
            "",
            f"`{definition.name}`; event types: "
            + ", ".join(f"`{t}`" for t in types.split(", "))
            + ".",
            "",
            _cell(definition.description or ""),
            "",
            *table(typed.payload_keys(cls)),
            "",
            "A site's business line may add its own facts to `visit.checked_in` under its code",
            "(the real-estate line: `realestate.rotation`, the rotation right after the",
            "reception, which `rotationUpdates` shows). The stream also carries a line's own",
            "events about the desk (the real-estate line's `rotation.*`: order set, away/back,",
            "suspensions, discounted receptions, each with the rotation after it in `state`).",
        ]
    return "\n".join(lines) + "\n"
