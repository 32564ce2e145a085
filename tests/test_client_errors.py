"""Issue 9, finding 7 (and the NUL part of 8): client mistakes get a clear error with a stable
code — never INTERNAL_ERROR, never a traceback in the log — on SQLite and PostgreSQL."""

from __future__ import annotations

import logging

import httpx
import pytest
from conftest import Client, start_frontdesk
from helpers import add_staff, make_site
from served import make_token, serve, under_attack

VISITS = "query($n: Int!) { visits(siteId: 1, first: $n) { pageInfo { hasNextPage } } }"
INCLUDE = "query($f: Boolean!) { __typename @include(if: $f) }"
TRANSITION = """mutation($to: ComplaintStatus!) {
  transitionComplaint(input: {complaintId: 1, to: $to}) { complaint { status } userErrors { field
    message code } } }"""
FILE = """mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id }
  userErrors { field message code } } }"""

COERCION = [
    (VISITS, {"n": "abc"}, "Int cannot represent non-integer value: 'abc'"),
    (VISITS, {"n": 1.5}, "Int cannot represent non-integer value: 1.5"),
    (VISITS, {"n": 3000000000}, "non 32-bit signed integer value: 3000000000"),
    (VISITS, {"n": None}, "Expected value of non-null type 'Int!' not to be None."),
    (VISITS, {"n": {}}, "Int cannot represent non-integer value: {}"),
    (INCLUDE, {}, "Expected a value of non-null type 'Boolean!' to be provided."),
    (TRANSITION, {"to": "SHELVED"}, "Value 'SHELVED' does not exist in 'ComplaintStatus' enum."),
    (FILE, {"i": {"siteId": "1"}}, "to include required field 'channel'"),
]


@pytest.mark.parametrize(("query", "variables", "says"), COERCION)
async def test_variable_coercion_errors_are_bad_user_input_with_graphql_cores_message(
    fd, caplog, query, variables, says
):
    async with serve(fd) as base:
        token = await make_token(fd)

        async def attack(in_flight):
            in_flight.set()
            async with httpx.AsyncClient(timeout=30) as c:
                # Without a token: the probe sent these anonymously (only INCLUDE is allowed).
                anonymous = await c.post(f"{base}/graphql", json={"query": INCLUDE})
                signed = await c.post(
                    f"{base}/graphql",
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {token}"},
                )
                return anonymous.json(), signed.json()

        with caplog.at_level(logging.WARNING):
            (anonymous, answer), prompt = await under_attack(base, token, attack)
    assert prompt < 1
    for body in (anonymous, answer):
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert body["errors"][0]["message"].startswith("Variable '$")
    assert says in answer["errors"][0]["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback


async def test_a_bad_literal_is_a_validation_error_not_an_internal_one(client, caplog):
    err = await client.error("{ penaltyRules(businessLine: 12) { code } }")
    assert err.extensions["code"] == "GRAPHQL_VALIDATION_FAILED"
    err = await client.error(
        'mutation { issuePenalty(input: {staffId: 1, ruleCode: "x", '
        'amount: "abc", reason: "r"}) { penalty { id } userErrors { field message code } } }'
    )
    assert err.extensions["code"] in ("INVALID_AMOUNT", "GRAPHQL_VALIDATION_FAILED")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ visits(siteId: 99999999999999999999, first: 1) { pageInfo { hasNextPage } } }", None),
        (
            "query($s: ID!) { visits(siteId: $s, first: 1) { pageInfo { hasNextPage } } }",
            {"s": "9223372036854775808"},
        ),
        ("{ complaint(id: 123456789012345678901234567890) { id } }", None),
        (
            "mutation { replayWebhookDelivery(input: {id: 9223372036854775808}) "
            "{ delivery { id } userErrors { field message code } } }",
            None,
        ),
    ],
)
async def test_ids_beyond_64_bits_are_invalid_ids(client, caplog, query, variables):
    err = await client.error(query, variables)
    assert err.extensions["code"] == "INVALID_ID", err.message
    assert "below 2^63" in err.message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_cursors_beyond_64_bits_are_invalid_cursors(client, caplog):
    import base64

    huge = base64.urlsafe_b64encode(b"visit:99999999999999999999999").decode().rstrip("=")
    err = await client.error(
        f'{{ visits(siteId: 1, first: 1, after: "{huge}") {{ pageInfo {{ hasNextPage }} }} }}'
    )
    assert err.extensions["code"] == "INVALID_CURSOR"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _foreign_key_and_length(client: Client) -> None:
    err = await client.error(
        'mutation { createApiToken(input: {name: "x", role: STAFF, staffId: 999}) { secret '
        "userErrors { field message code } } }"
    )
    assert err.extensions["code"] == "STAFF_NOT_FOUND"
    assert err.message == "staff member 999 does not exist"
    err = await client.error(
        "mutation($n: String!) { createApiToken(input: {name: $n, role: STAFF}) { secret "
        "userErrors { field message code } } }",
        {"n": "x" * 5000},
    )
    assert err.extensions["code"] == "VALUE_TOO_LONG"
    # Issue 17: a userError's field is the path into the input.
    assert err.extensions["field"] == ["input", "name"]
    tokens = await client.data("{ apiTokens { nodes { id } } }")
    assert tokens["apiTokens"]["nodes"] == []  # nothing half written


async def _control_characters(client: Client) -> None:
    site = await make_site(client)
    for name in ("Li\x00Wei", "Li\nWei", "Li\x1bWei"):
        err = await client.error(
            "mutation($s: ID!, $n: String!) { addStaff(input: {siteId: $s, name: $n, "
            'role: "salesperson"}) { staff { id } userErrors { field message code } } }',
            {"s": site, "n": name},
        )
        assert err.extensions["code"] == "CONTROL_CHARACTERS", name
        assert err.extensions["field"] == ["input", "name"]
    await add_staff(client, site, "Li Wei")
    err = await client.error(
        'query($s: ID!) { customers(siteId: $s, nameContains: "\\u0000") { nodes { id } } }',
        {"s": site},
    )
    assert err.extensions["code"] == "CONTROL_CHARACTERS"


async def test_foreign_key_length_and_control_characters_on_sqlite(client):
    await _foreign_key_and_length(client)
    await _control_characters(client)


@pytest.mark.postgres
async def test_foreign_key_length_and_control_characters_on_postgresql(pg_url):
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        await _foreign_key_and_length(client)
        await _control_characters(client)
    finally:
        await fd.stop()
