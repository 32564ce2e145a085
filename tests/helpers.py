"""GraphQL snippets the tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

CREATE_SITE = """
mutation($name: String!, $line: String!) {
  createSite(input: {name: $name, businessLine: $line}) {
    site { id name businessLine } userErrors { field message code }
  }
}"""
ADD_STAFF = """
mutation($site: ID!, $name: String!, $role: String!) {
  addStaff(input: {siteId: $site, name: $name, role: $role}) {
    staff { id name role } userErrors { field message code }
  }
}"""
REGISTER = """
mutation($site: ID!, $name: String!, $phone: String, $groupKind: GroupKind, $groupName: String) {
  registerCustomer(input: {siteId: $site, name: $name, phone: $phone,
                           groupKind: $groupKind, groupName: $groupName}) {
    customer { id name phone ownerStaffId } userErrors { field message code }
  }
}"""
CHECK_IN = """
mutation($input: CheckInVisitInput!) {
  checkInVisit(input: $input) {
    visit { id counted receiver { id name } customer { id name }
            realestate { madeUpTurn newRegistration skipped { staffId decision { rule } } } }
    decision { rule message }
    notifications { kind rule message }
    userErrors { field message code rule }
  }
}"""


async def make_site(
    client: Any, name: str = "Sunrise Sales Office", line: str = "realestate"
) -> str:
    data = await client.data(CREATE_SITE, {"name": name, "line": line})
    return data["createSite"]["site"]["id"]


async def add_staff(client: Any, site: str, name: str, role: str = "salesperson") -> str:
    data = await client.data(ADD_STAFF, {"site": site, "name": name, "role": role})
    return data["addStaff"]["staff"]["id"]


async def register(client: Any, site: str, name: str, **kw: Any) -> dict[str, Any]:
    data = await client.data(REGISTER, {"site": site, "name": name, **kw})
    return data["registerCustomer"]["customer"]


async def check_in(client: Any, site: str, **fields: Any) -> dict[str, Any]:
    data = await client.data(CHECK_IN, {"input": {"siteId": site, **fields}})
    return data["checkInVisit"]


def gid(type_name: str, key: int | str) -> str:
    """The global id (Schema 1.0) of ``type_name``'s row ``key``, as the API answers it."""
    import base64

    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def legacy(global_id: str) -> int:
    """The integer key behind a global id from a response (``legacyId``)."""
    import base64

    return int(base64.b64decode(global_id).decode().partition(":")[2])


TS_CLIENT_OPERATIONS = Path(__file__).resolve().parent.parent / "clients/typescript/operations"


def client_operation(name: str) -> str:
    """The operation ``name`` of the TypeScript client's documents (clients/typescript/
    operations/*.graphql) with the fragments it spreads: one executable document, exactly the
    text the generated client sends (issue 17)."""
    definitions = [
        d
        for path in sorted(TS_CLIENT_OPERATIONS.glob("*.graphql"))
        for d in parse(path.read_text()).definitions
    ]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    [operation] = [
        d for d in definitions if isinstance(d, OperationDefinitionNode) and d.name.value == name
    ]

    class Spreads(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.names: list[str] = []

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            self.names.append(node.name.value)

    needed: dict[str, FragmentDefinitionNode] = {}
    todo: list[Any] = [operation]
    while todo:
        spreads = Spreads()
        visit(todo.pop(), spreads)
        for spread in spreads.names:
            if spread not in needed:
                needed[spread] = fragments[spread]
                todo.append(fragments[spread])
    return print_ast(DocumentNode(definitions=(operation, *needed.values())))


@contextmanager
def sent_statements(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """Every statement, with its parameters, sent through ``engine`` (an AsyncEngine or an
    Engine) while the block runs, in order."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []
    sync = getattr(engine, "sync_engine", engine)

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(sync, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", listen)
