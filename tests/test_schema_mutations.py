"""Schema 1.0 mutations (issue 17): one ``input``, a ``…Payload`` with typed ``userErrors``,
per-domain error-code enums, one name for the acting staff member, a schema that does not
change when a line is switched off, and the generated error-code reference."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from conftest import Client
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
)
from helpers import add_staff, make_site
from sqlalchemy import select

from core.auth import AuditEntry
from core.errors import TOP_LEVEL_CODES, user_error_codes
from core.models import Customer
from core.plugins import DEFAULT_PLUGINS
from schema.build import build_schema, builtin_schema
from schema.docs import errors_markdown

ROOT = Path(__file__).resolve().parent.parent

CHECK_IN = """
mutation($input: CheckInVisitInput!) {
  checkInVisit(input: $input) {
    visit { id } decision { rule }
    userErrors { field message code rule ... on DisplayableError { message } }
  }
}"""
REGISTER = """
mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { customer { id } userErrors { field message code } }
}"""
MARK = """
mutation($input: MarkSalespersonInput!) {
  markSalesperson(input: $input) { rotation { siteId } userErrors { field message code } }
}"""
ENABLE = """
mutation($code: String!, $on: Boolean!) {
  setPluginEnabled(input: {code: $code, enabled: $on}) {
    plugin { code enabled } userErrors { field message code }
  }
}"""


def _mutation_fields() -> dict[str, object]:
    mutation = builtin_schema()._schema.mutation_type
    assert mutation is not None
    return dict(mutation.fields)


def test_every_mutation_takes_one_input_and_returns_its_payload() -> None:
    """Issue 17: ``name(input: NameInput!): NamePayload!``; the result fields nullable;
    ``userErrors: [<Domain>UserError!]!`` with ``field``, ``message``,
    ``code: <Domain>ErrorCode!``."""
    fields = _mutation_fields()
    assert len(fields) >= 40
    for name, field in fields.items():
        pascal = name[0].upper() + name[1:]
        assert list(field.args) == ["input"], name
        arg = field.args["input"].type
        assert isinstance(arg, GraphQLNonNull), name
        assert isinstance(arg.of_type, GraphQLInputObjectType), name
        assert arg.of_type.name == f"{pascal}Input", name
        assert isinstance(field.type, GraphQLNonNull), name
        payload = field.type.of_type
        assert isinstance(payload, GraphQLObjectType) and payload.name == f"{pascal}Payload"
        assert payload.description and field.description, name
        for result_name, result in payload.fields.items():
            assert result.description, f"{payload.name}.{result_name}"
            if result_name != "userErrors":
                assert not isinstance(result.type, GraphQLNonNull), f"{payload.name}.{result_name}"
        errors = payload.fields["userErrors"].type
        assert isinstance(errors, GraphQLNonNull) and isinstance(errors.of_type, GraphQLList)
        item = errors.of_type.of_type
        assert isinstance(item, GraphQLNonNull)
        error_type = item.of_type
        assert error_type.name.endswith("UserError"), name
        assert [i.name for i in error_type.interfaces] == ["DisplayableError"]
        code = error_type.fields["code"].type
        assert isinstance(code, GraphQLNonNull) and isinstance(code.of_type, GraphQLEnumType)
        assert code.of_type.name == error_type.name.replace("UserError", "ErrorCode")
        assert str(error_type.fields["field"].type) == "[String!]"


def test_every_error_code_enum_value_and_new_input_field_is_described() -> None:
    schema = builtin_schema()._schema
    for name, t in schema.type_map.items():
        if isinstance(t, GraphQLEnumType) and name.endswith("ErrorCode"):
            assert t.description, name
            for value_name, value in t.values.items():
                assert value.description, f"{name}.{value_name}"
    seen: set[str] = set()

    def walk(t: object) -> None:
        t = get_named_type(t)
        if not isinstance(t, GraphQLInputObjectType) or t.name in seen:
            return
        seen.add(t.name)
        assert t.description, t.name
        for field_name, field in t.fields.items():
            assert field.description, f"{t.name}.{field_name}"
            walk(field.type)

    for field in _mutation_fields().values():
        walk(field.args["input"].type)


def test_one_name_for_the_acting_staff_member() -> None:
    """Issue 17 item 5: ``actingStaffId`` in every input that names who acts; the old names
    (actorStaffId, takenById, issuedById, requesterId, managerId of swaps) are gone."""
    seen = []
    for name, field in _mutation_fields().items():
        input_type = get_named_type(field.args["input"].type)
        names = set(input_type.fields)
        assert not names & {"actorStaffId", "takenById", "issuedById", "requesterId"}, name
        if "actingStaffId" in names:
            seen.append(name)
    assert {
        "fileComplaint",
        "transitionComplaint",
        "assignComplaint",
        "escalateComplaint",
        "verifyComplaintFault",
        "issuePenalty",
        "revokePenalty",
        "requestShiftSwap",
        "agreeShiftSwap",
        "approveShiftSwap",
        "refuseShiftSwap",
        "reportOrderGrabbing",
    } <= set(seen)


async def test_a_refused_check_in_is_a_typed_user_error_with_its_audit_row(client, fd) -> None:
    """A rule's refusal (C-6's receiver rule here: nobody to receive) is data — the payload's
    userErrors, the result null, nothing written — and its refused audit row commits (C-13)."""
    site = await make_site(client)  # real estate, nobody on the rotation: EMPTY_ROTATION
    result = await client.execute(CHECK_IN, {"input": {"siteId": site}})
    assert result.errors is None
    payload = result.data["checkInVisit"]
    assert payload["visit"] is None and payload["decision"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "EMPTY_ROTATION" and error["message"]
    async with fd.db.session() as s:
        rows = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "checkInVisit"))
        ).all()
    assert [(r.succeeded, r.details.get("code")) for r in rows] == [(False, "EMPTY_ROTATION")]


async def test_a_user_error_points_at_the_input_field(client, fd) -> None:
    site = await make_site(client)
    bad_id = await client.user_error(REGISTER, {"input": {"siteId": "abc", "name": "Lu"}})
    assert (bad_id.code, bad_id.field) == ("INVALID_ID", ["input", "siteId"])
    missing = await client.user_error(REGISTER, {"input": {"siteId": "99999", "name": "Lu"}})
    assert (missing.code, missing.field) == ("SITE_NOT_FOUND", ["input", "siteId"])
    phone = await client.user_error(
        REGISTER, {"input": {"siteId": site, "name": "Lu", "phone": "12345"}}
    )
    assert phone.code == "INVALID_PHONE"
    async with fd.db.session() as s:
        assert (await s.scalars(select(Customer))).all() == []


async def test_what_is_not_a_users_mistake_stays_a_top_level_error(fd) -> None:
    """Permissions are top-level (FORBIDDEN), never a userError."""
    from core.auth import Actor, Role

    site = await make_site(Client(fd))
    staff = Client(fd, actor=Actor(role=Role.STAFF, name="desk"))
    result = await staff.execute(ENABLE, {"code": "realestate", "on": False})
    assert result.data is None
    assert result.errors[0].extensions["code"] == "FORBIDDEN"
    assert site


async def test_line_disabled_keeps_the_schema_and_refuses_with_LINE_DISABLED(client, fd) -> None:
    """Issue 17 item 6: switching a line off changes nothing in the schema; its mutations
    answer a LINE_DISABLED user error (nothing written), its fields null + LINE_DISABLED."""
    before = fd.schema.as_str()
    site = await make_site(client)
    zhao = await add_staff(client, site, "Zhao")
    off = await client.data(ENABLE, {"code": "realestate", "on": False})
    assert off["setPluginEnabled"]["plugin"] == {"code": "realestate", "enabled": False}
    assert fd.schema.as_str() == before
    refused = await client.user_error(
        MARK, {"input": {"siteId": site, "staffId": zhao, "status": "BUSINESS_CALL"}}
    )
    assert refused.code == "LINE_DISABLED"
    answer = await client.execute("query($s: ID!) { rotation(siteId: $s) { siteId } }", {"s": site})
    assert answer.data == {"rotation": None}
    assert answer.errors[0].extensions["code"] == "LINE_DISABLED"
    await client.data(ENABLE, {"code": "realestate", "on": True})
    assert fd.schema.as_str() == before


def test_a_disabled_line_builds_the_same_sdl() -> None:
    from core.plugins import PluginHost, create_plugin_manager

    host = PluginHost(create_plugin_manager(entry_points_group=None))
    host.set_enabled(host.installed.keys())
    every = build_schema(host).as_str()
    host.set_enabled([])
    assert build_schema(host).as_str() == every


def test_docs_errors_md_is_generated_from_the_enums() -> None:
    """The README's error-code list is docs/errors.md, generated from the schema's enums."""
    committed = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert committed == errors_markdown(), "docs/errors.md is stale: run `frontdesk docs`"
    assert "docs/errors.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_code_raised_is_published() -> None:
    """A ``code="…"`` raised anywhere in core or a built-in line is in an error-code enum (a
    userError) or a documented top-level code; a line's own codes come from its
    ``frontdesk_error_codes``."""
    published = user_error_codes() | set(TOP_LEVEL_CODES)
    enums = builtin_schema()._schema.type_map
    for name, t in enums.items():
        if isinstance(t, GraphQLEnumType) and name.endswith("ErrorCode"):
            published |= set(t.values)
    # A line's own codes (frontdesk_error_codes), whether or not the line is in the SDL.
    for hooks in ROOT.glob("plugins/*/hooks.py"):
        module = importlib.import_module(f"plugins.{hooks.parent.name}.hooks")
        declare = getattr(module, "frontdesk_error_codes", None)
        if declare is not None:
            published |= {d.code for d in declare()}
    raised: dict[str, str] = {}
    # Only registered lines' codes are checked: a line package that exists but is not
    # registered publishes its codes through ``frontdesk_error_codes`` once it is.
    installed = {p.split(".")[1] for p in DEFAULT_PLUGINS}
    lines = [p for p in ROOT.glob("plugins/**/*.py") if p.relative_to(ROOT).parts[1] in installed]
    for path in [*ROOT.glob("core/**/*.py"), *lines]:
        text = path.read_text(encoding="utf-8")
        for pattern in (r'\bcode="([A-Z][A-Z0-9_]+)"', r'RotationError\(\s*"([A-Z][A-Z0-9_]+)"'):
            for code in re.findall(pattern, text):
                raised.setdefault(code, str(path.relative_to(ROOT)))
    # Codes of start-up checks (plugins, hosting, settings), never answered to a client.
    startup = {
        "UNKNOWN_PERMISSION",
        "UNKNOWN_FIELD_METADATA",
        "NOT_EXTENSIBLE",
        "SCHEMA_FIELD_CLASH",
        "FRONTDESK_ERROR",
    }
    unpublished = {c: p for c, p in raised.items() if c not in published and c not in startup}
    assert not unpublished, unpublished
