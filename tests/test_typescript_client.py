"""The TypeScript client of issue 17 (clients/typescript): six reception flows written as operation
documents and typed with GraphQL Code Generator from the committed SDL.

Without npm (the unit suite): every operation document validates against the committed SDL
(graphql-core's ``validate``, the rules codegen applies), the six flows are all there, and each
mutation asks for its typed ``userErrors`` — so a schema change that breaks the client fails here
in a second; and the six flows run in order against the app with their own documents (the live feed
over a real WebSocket, resumed from a cursor). With npm (marked ``tsclient``, excluded from the
unit run like ``browser``; ``.ci/run`` runs ``pytest -m tsclient`` as its own step):
``clients/typescript/check.sh`` installs the pinned toolchain, generates the types and compiles the
flows with ``tsc --strict``, and a flow that misuses a generated type (a refusal code the schema
does not publish, a missing status label, a field read without narrowing ``node``) must fail to
compile.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import (
    FieldNode,
    GraphQLEnumType,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    get_named_type,
    parse,
    validate,
)
from helpers import TS_CLIENT_OPERATIONS, add_staff, client_operation, make_site
from test_subscriptions import GqlWs, listening, make_token, serve

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "typescript"
SDL = ROOT / "schema" / "frontdesk.graphql"
# The six flows of the issue, by document, with the operations each one must hold.
FLOWS = {
    "rotation-board.graphql": {"RotationBoard", "MarkSalesperson"},
    "walk-in-check-in.graphql": {"CustomerByPhone", "RegisterWalkIn", "WalkInCheckIn"},
    "visit-register.graphql": {"VisitRegister"},
    "complaint-follow-up.graphql": {
        "FileComplaint",
        "ComplaintNode",
        "TransitionComplaint",
        "RecordComplaintProgress",
        "CustomerComplaints",
    },
    "complaint-feed.graphql": {"ComplaintFeed"},
    "staff-penalties.graphql": {"StaffPenaltiesThisMonth"},
}


def _documents() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(TS_CLIENT_OPERATIONS.glob("*.graphql"))}


def test_the_six_flows_are_there_with_a_typescript_file_each() -> None:
    documents = _documents()
    assert set(documents) == set(FLOWS)
    for name, operations in FLOWS.items():
        ast = parse(documents[name])
        found = {d.name.value for d in ast.definitions if isinstance(d, OperationDefinitionNode)}
        assert found == operations, name
        assert (CLIENT / "src" / name.replace(".graphql", ".ts")).is_file(), name
    kinds = {
        d.operation
        for text in documents.values()
        for d in parse(text).definitions
        if isinstance(d, OperationDefinitionNode)
    }
    assert kinds == {OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION}


def test_every_operation_document_validates_against_the_committed_sdl() -> None:
    """What codegen checks before it writes a type: a renamed or removed field, argument, type
    or enum value the client uses fails here, without npm."""
    schema = build_schema(SDL.read_text())
    # All documents together, as codegen loads them: fragment names are unique across files.
    whole = parse("\n".join(_documents().values()))
    errors = validate(schema, whole)
    assert not errors, [f"{e.message} {e.locations}" for e in errors]
    names = [d.name.value for d in whole.definitions if d.name is not None]
    assert len(names) == len(set(names)), "operation and fragment names must be unique"


def test_every_mutation_asks_for_its_typed_user_errors() -> None:
    """A refusal is data (issue 17): each mutation of the client selects ``userErrors { field
    message code rule }``, and ``code`` is a published enum, so TypeScript can switch on it."""
    schema = build_schema(SDL.read_text())
    mutation_type = schema.mutation_type
    assert mutation_type is not None
    for text in _documents().values():
        for op in parse(text).definitions:
            if not (isinstance(op, OperationDefinitionNode) and op.operation.value == "mutation"):
                continue
            [root] = op.selection_set.selections
            assert isinstance(root, FieldNode)
            payload = get_named_type(mutation_type.fields[root.name.value].type)
            [errors] = [
                s
                for s in root.selection_set.selections
                if isinstance(s, FieldNode) and s.name.value == "userErrors"
            ]
            selected = {s.name.value for s in errors.selection_set.selections}
            assert {"field", "message", "code", "rule"} <= selected, op.name.value
            code = get_named_type(
                get_named_type(payload.fields["userErrors"].type).fields["code"].type
            )
            assert isinstance(code, GraphQLEnumType), (op.name.value, code)


def test_the_toolchain_is_pinned_and_generated_files_are_not_committed() -> None:
    package = json.loads((CLIENT / "package.json").read_text())
    pinned = package["devDependencies"]
    for name in (
        "@graphql-codegen/cli",
        "@graphql-codegen/typescript-operations",
        "@graphql-codegen/typed-document-node",
        "typescript",
        "graphql",
    ):
        assert re.fullmatch(r"\d+\.\d+\.\d+", pinned[name]), (name, pinned[name])
    lock = json.loads((CLIENT / "package-lock.json").read_text())
    assert lock["packages"][""]["devDependencies"] == pinned
    tsconfig = json.loads((CLIENT / "tsconfig.json").read_text())
    assert tsconfig["compilerOptions"]["strict"] is True
    ignored = (CLIENT / ".gitignore").read_text().split()
    assert {"node_modules/", "src/generated/"} <= set(ignored)
    assert "../../schema/frontdesk.graphql" in (CLIENT / "codegen.ts").read_text()


def test_client_operation_gives_one_executable_document_with_its_fragments() -> None:
    text = client_operation("MarkSalesperson")
    ast = parse(text)
    assert [type(d).__name__ for d in ast.definitions] == [
        "OperationDefinitionNode",
        "FragmentDefinitionNode",
    ]
    assert not validate(build_schema(SDL.read_text()), ast)


# --- the flows, in order, against the app (no npm) ----------------------------------------


async def test_the_six_flows_run_against_the_app(client, fd) -> None:
    """Each flow's documents, with the variables its TypeScript function sends, answer without
    errors on a real-estate site: the board, a walk-in found or registered by phone and checked
    in, the register, a complaint filed and followed up, a staff member's penalties this month
    (Asia/Shanghai month of the fixed clock) and the live feed over a real WebSocket, resumed
    from a cursor."""
    site = await make_site(client)
    li = await add_staff(client, site, "Li Na")
    await add_staff(client, site, "Wang Wei")
    boss = await add_staff(client, site, "Boss", role="sales_manager")

    # 1. The rotation board (RE-1).
    board = (await client.data(client_operation("RotationBoard"), {"siteId": site}))["rotation"]
    assert [m["name"] for m in board["members"]] == ["Li Na", "Wang Wei"]
    assert board["nextMember"]["name"] == "Li Na" and board["businessDate"] == "2026-11-24"
    assert {m["status"] for m in board["members"]} == {"AVAILABLE"}

    # 2. Walk-in check-in: not found by phone, registered, checked in.
    by_phone = {"siteId": site, "phone": "13800138001"}
    assert (await client.data(client_operation("CustomerByPhone"), by_phone))["customers"][
        "nodes"
    ] == []
    registered = await client.data(
        client_operation("RegisterWalkIn"),
        {"input": {"siteId": site, "name": "Sun Hao", "phone": "13800138001"}},
    )
    customer = registered["registerCustomer"]["customer"]["id"]
    found = (await client.data(client_operation("CustomerByPhone"), by_phone))["customers"]
    assert [c["id"] for c in found["nodes"]] == [customer]
    checked = await client.data(
        client_operation("WalkInCheckIn"),
        {
            "input": {
                "siteId": site,
                "customerId": customer,
                "channel": "WALK_IN",
                "namedStaffId": None,
                "realestate": {"unitsRequested": 1},
            }
        },
    )
    payload = checked["checkInVisit"]
    assert payload["userErrors"] == [] and payload["visit"]["receiver"]["name"] == "Li Na"
    assert payload["decision"]["rule"] == "RE-1"
    marked = await client.data(
        client_operation("MarkSalesperson"),
        {"input": {"siteId": site, "staffId": li, "status": "BUSINESS_CALL", "reason": "bank"}},
    )
    statuses = {m["name"]: m["status"] for m in marked["markSalesperson"]["rotation"]["members"]}
    assert statuses == {"Li Na": "BUSINESS_CALL", "Wang Wei": "AVAILABLE"}

    # 3. The visit register.
    register = await client.data(
        client_operation("VisitRegister"),
        {
            "siteId": site,
            "first": 20,
            "after": None,
            "arrivedFrom": "2026-11-24T00:00:00+08:00",
            "arrivedBefore": "2026-11-25T00:00:00+08:00",
            "orderBy": {"field": "ARRIVED_AT", "direction": "DESC"},
        },
    )
    rows = register["visits"]["edges"]
    assert [r["node"]["id"] for r in rows] == [payload["visit"]["id"]]
    assert rows[0]["node"]["receiver"]["name"] == "Li Na" and register["visits"]["totalCount"] == 1

    # 5. The live feed, listening before anything is filed (flow 4 makes the events).
    token = await make_token(fd, "admin")
    async with serve(fd) as url, GqlWs.connect(url, token) as ws:
        await ws.subscribe(client_operation("ComplaintFeed"), {"siteId": site, "after": None})
        await listening(fd)

        # 4. Complaint filing and follow-up.
        filed = await client.data(
            client_operation("FileComplaint"),
            {
                "input": {
                    "siteId": site,
                    "channel": "IN_PERSON",
                    "category": "service",
                    "description": "Kept waiting at the desk",
                    "customerId": customer,
                    "actingStaffId": li,
                }
            },
        )
        complaint = filed["fileComplaint"]["complaint"]
        assert (
            complaint["status"] == "RECEIVED" and "ACKNOWLEDGED" in complaint["allowedTransitions"]
        )
        moved = await client.data(
            client_operation("TransitionComplaint"),
            {"input": {"complaintId": complaint["id"], "to": "ACKNOWLEDGED", "actingStaffId": li}},
        )
        assert moved["transitionComplaint"]["complaint"]["status"] == "ACKNOWLEDGED"
        progress = await client.data(
            client_operation("RecordComplaintProgress"),
            {"input": {"complaintId": complaint["id"], "note": "called back", "actingStaffId": li}},
        )
        assert progress["recordComplaintProgress"]["userErrors"] == []
        mine = await client.data(
            client_operation("CustomerComplaints"),
            {"siteId": site, "customerId": customer, "last": 10, "before": None},
        )
        assert [c["id"] for c in mine["complaints"]["nodes"]] == [complaint["id"]]

        live = await ws.events(2)
        assert {e["complaintId"] for e in live} == {complaint["id"]}
    # Resumed from the first event's cursor: what followed it is replayed, in order.
    async with serve(fd) as url, GqlWs.connect(url, token) as ws:
        await ws.subscribe(
            client_operation("ComplaintFeed"), {"siteId": site, "after": live[0]["cursor"]}
        )
        assert (await ws.events(1))[0] == live[1]

    # 6. A staff member's penalties this month.
    await client.data(
        """mutation($staff: ID!, $by: ID) { issuePenalty(input: {staffId: $staff,
        ruleCode: "C-14-staff", amount: "300", reason: "rude", actingStaffId: $by}) {
        penalty { id } userErrors { code } } }""",
        {"staff": li, "by": boss},
    )
    month = await client.data(
        client_operation("StaffPenaltiesThisMonth"),
        {
            "siteId": site,
            "staffId": li,
            "issuedFrom": "2026-11-01T00:00:00+08:00",
            "issuedBefore": "2026-12-01T00:00:00+08:00",
            "after": None,
        },
    )
    assert month["staffMember"]["name"] == "Li Na"
    [entry] = [e["node"] for e in month["penalties"]["edges"]]
    assert entry["amountMoney"] == {"amount": "300.00", "currency": "CNY"}
    assert entry["issuedBy"]["id"] == boss and entry["revokes"] is None
    december = await client.data(
        client_operation("StaffPenaltiesThisMonth"),
        {
            "siteId": site,
            "staffId": li,
            "issuedFrom": "2026-12-01T00:00:00+08:00",
            "issuedBefore": "2027-01-01T00:00:00+08:00",
        },
    )
    assert december["penalties"]["totalCount"] == 0


# --- with npm (pytest -m tsclient) -------------------------------------------------------


def _run_check(client_dir: Path, *, install: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if not install:
        env["FRONTDESK_TSCLIENT_NO_INSTALL"] = "1"
    return subprocess.run(
        [str(client_dir / "check.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.mark.tsclient
@pytest.mark.timeout(600)
def test_the_flows_compile_with_tsc_strict_against_the_generated_types() -> None:
    assert shutil.which("npm"), "npm is required for the tsclient step (see .ci/run)"
    result = _run_check(CLIENT, install=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "codegen and tsc --strict passed" in result.stdout
    generated = (CLIENT / "src" / "generated" / "graphql.ts").read_text()
    # The refusal codes are the published enum, as a union TypeScript checks `case` labels on.
    codes = generated.split("export type VisitErrorCode =", 1)[1].split("\n\n", 1)[0]
    assert "| 'EMPTY_ROTATION'" in codes


# Mistakes tsc must catch in a flow: each replaces one line of a source file.
MISTAKES = {
    "a refusal code the schema does not publish": (
        "src/walk-in-check-in.ts",
        'case "EMPTY_ROTATION":',
        'case "ROTATION_EMPTY":',
        "not comparable to type 'VisitErrorCode'",
    ),
    "a complaint status without a label": (
        "src/complaint-follow-up.ts",
        '  REOPENED: "Reopened",',
        "",
        "REOPENED",
    ),
    "a Complaint field read on a node not narrowed by __typename": (
        "src/complaint-follow-up.ts",
        "  if (node === null) return null;",
        "  if (node === null || node.number === '') return null;",
        "Property 'number' does not exist",
    ),
    "a nullable link used as if it were present": (
        "src/visit-register.ts",
        'const receiver = row.receiver?.name ?? "nobody";',
        "const receiver = row.receiver.name;",
        "'row.receiver' is possibly 'null'",
    ),
}


@pytest.mark.tsclient
@pytest.mark.timeout(600)
def test_tsc_refuses_flows_that_misuse_the_generated_types(tmp_path: Path) -> None:
    """All the mistakes at once in a copy of the client (one codegen and one tsc run): tsc must
    fail and name each of them."""
    if not (CLIENT / "node_modules").is_dir():
        pytest.fail("node_modules missing: the tsclient check runs first")
    # A copy of the client beside a copy of the SDL (codegen reads ../../schema/).
    (tmp_path / "schema").mkdir()
    shutil.copy(SDL, tmp_path / "schema" / SDL.name)
    copy = tmp_path / "clients" / "typescript"
    shutil.copytree(CLIENT, copy, ignore=shutil.ignore_patterns("node_modules", "generated"))
    (copy / "node_modules").symlink_to(CLIENT / "node_modules")
    for source, before, after, _expected in MISTAKES.values():
        path = copy / source
        text = path.read_text()
        assert text.count(before) == 1, (source, before)
        path.write_text(text.replace(before, after))
    result = _run_check(copy, install=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"tsc accepted every mistake: {output}"
    for mistake, (source, _before, _after, expected) in MISTAKES.items():
        assert any(line.startswith(source) and expected in line for line in output.splitlines()), (
            mistake,
            output,
        )
