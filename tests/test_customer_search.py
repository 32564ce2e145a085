"""Customer search (issue 13), the same answers on SQLite and PostgreSQL.

``nameContains`` of 3 or more characters matches anywhere in the name (a trigram index on
PostgreSQL), shorter terms match the start of the name (a prefix index); ``phone`` is an exact
search, normalised like registration, the numbers shown masked for roles without private
access (C-13).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import ADMIN, Client, start_frontdesk

from core.auth import Actor, Role
from core.phone import mask_phone
from core.runtime import Frontdesk

CREATE_SITE = """mutation($name: String!) {
  createSite(input: {name: $name, businessLine: "realestate"}) { site { id } userErrors { field
    message code } } }"""
REGISTER = """mutation($site: ID!, $name: String!, $phone: String) {
  registerCustomer(input: {siteId: $site, name: $name, phone: $phone}) { customer { id }
    userErrors { field message code } } }"""
SEARCH = """query($site: ID!, $name: String, $phone: String) {
  customers(siteId: $site, nameContains: $name, phone: $phone, first: 50) {
    edges { node { id name phone } } } }"""

NAMES = [
    ("Zhang San", "13800138000"),
    ("Zhangsan Ltd", None),
    ("Li Zhang", None),
    ("王芳", "13900139000"),
    ("王小明", None),
    ("李王", None),
    ("100% Cotton", None),
    ("100 Percent", None),
    ("ab_cd", None),
    ("abXcd", None),
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def app(request: pytest.FixtureRequest) -> AsyncIterator[Frontdesk]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    fd = await start_frontdesk(url)
    yield fd
    await fd.stop()


@pytest.fixture
async def world(app: Frontdesk) -> dict[str, Any]:
    client = Client(app)
    site = (await client.data(CREATE_SITE, {"name": "Sunrise"}))["createSite"]["site"]["id"]
    other = (await client.data(CREATE_SITE, {"name": "Moonrise"}))["createSite"]["site"]["id"]
    for name, phone in NAMES:
        await client.data(REGISTER, {"site": site, "name": name, "phone": phone})
    # The same name and phone at another site never show up in this site's search.
    await client.data(REGISTER, {"site": other, "name": "Zhang Wei", "phone": "13800138000"})
    return {"client": client, "site": site, "other": other}


async def _names(client: Client, site: str, **variables: Any) -> set[str]:
    data = await client.data(SEARCH, {"site": site, **variables})
    return {e["node"]["name"] for e in data["customers"]["edges"]}


NAME_CASES = [
    # 3 characters or more: anywhere in the name.
    ("Zhang", {"Zhang San", "Zhangsan Ltd", "Li Zhang"}),
    ("ang", {"Zhang San", "Zhangsan Ltd", "Li Zhang"}),
    ("王小明", {"王小明"}),
    ("100%", {"100% Cotton"}),  # % is a plain character
    ("b_c", {"ab_cd"}),  # so is _
    ("nobody", set()),
    # Shorter: the start of the name (a surname, a company's first letters).
    ("Zh", {"Zhang San", "Zhangsan Ltd"}),
    ("王", {"王芳", "王小明"}),
    ("Li", {"Li Zhang"}),
    ("Xc", set()),  # inside "abXcd": not a prefix
]


async def test_name_search_substring_from_three_characters_prefix_below(
    world: dict[str, Any],
) -> None:
    for term, expected in NAME_CASES:
        assert await _names(world["client"], world["site"], name=term) == expected, term


async def test_phone_search_is_exact_normalised_and_per_site(world: dict[str, Any]) -> None:
    client, site = world["client"], world["site"]
    for notation in ("13800138000", "+86 138 0013 8000", "138-0013-8000", "+8613800138000"):
        assert await _names(client, site, phone=notation) == {"Zhang San"}, notation
    assert await _names(client, world["other"], phone="13800138000") == {"Zhang Wei"}
    assert await _names(client, site, phone="13700137000") == set()  # valid, nobody has it
    # Combined with a name filter, both must match.
    assert await _names(client, site, phone="13900139000", name="王") == {"王芳"}
    assert await _names(client, site, phone="13900139000", name="Zh") == set()


async def test_phone_search_refuses_what_is_not_a_phone_number(world: dict[str, Any]) -> None:
    error = await world["client"].error(SEARCH, {"site": world["site"], "phone": "12"})
    assert error.extensions["code"] == "INVALID_PHONE"


async def test_C_13_phone_search_answers_masked_for_roles_without_private_access(
    app: Frontdesk, world: dict[str, Any]
) -> None:
    """C-13: a read-only front end may find the caller by number, but sees it masked."""
    front_end = Client(app, actor=Actor(role=Role.FRONTEND, name="lobby screen"))
    data = await front_end.data(SEARCH, {"site": world["site"], "phone": "13800138000"})
    [edge] = data["customers"]["edges"]
    assert edge["node"]["phone"] == mask_phone("+8613800138000") == "+86*******8000"
    admin = Client(app, actor=ADMIN)
    data = await admin.data(SEARCH, {"site": world["site"], "phone": "13800138000"})
    assert data["customers"]["edges"][0]["node"]["phone"] == "+8613800138000"


async def test_unknown_site_phone_search_is_empty_not_an_error(world: dict[str, Any]) -> None:
    data = await world["client"].data(SEARCH, {"site": "999999", "phone": "13800138000"})
    assert data["customers"]["edges"] == []
