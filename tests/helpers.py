"""GraphQL snippets the tests share."""

from __future__ import annotations

from typing import Any

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
