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
