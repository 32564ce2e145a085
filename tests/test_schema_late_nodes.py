"""Schema 1.0 (issue 17), the types merged late: Appointment, Booking, AttendanceRecord,
LeaveRequest, ExitPass, PointsEntry and Meeting are Nodes (global `id`, `legacyId`,
refetchable with `node`/`nodes`); `WebhookDelivery.endpoint` is an object link; and a
mutation argument named plain `id` takes the global id of its own type only — another type's
is the user error INVALID_ID on `["input", "id"]`, nothing written."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conftest import FIXED_NOW, Client
from helpers import add_staff, gid, legacy, make_site
from sqlalchemy import select

from core import auth, models, webhooks
from core.graphql.ids import from_global_id

SHANGHAI = ZoneInfo("Asia/Shanghai")

MAKE = """mutation($i: MakeAppointmentInput!) { makeAppointment(input: $i) {
  appointment { id legacyId status } userErrors { field message code } } }"""
BOOK = """mutation($i: BookInput!) { book(input: $i) { booking { id legacyId status }
  userErrors { field message code } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Appointment { legacyId organisation }
  ... on Booking { legacyId guestName } } }"""


async def test_appointment_and_booking_are_nodes_with_legacy_ids(client: Client) -> None:
    site = await make_site(client)
    staff = await add_staff(client, site, "Wu Fang")
    visit_at = datetime(2026, 12, 9, 10, 0, tzinfo=SHANGHAI)
    appointment = (
        await client.data(
            MAKE,
            {
                "i": {
                    "siteId": site,
                    "kind": "ordinary",
                    "organisation": "Harbour Bureau",
                    "headCount": 6,
                    "contact": "Ms Lin",
                    "visitAt": visit_at.isoformat(),
                    "areas": "show flat",
                }
            },
        )
    )["makeAppointment"]["appointment"]
    assert from_global_id(appointment["id"]) == ("Appointment", str(appointment["legacyId"]))
    booking = (
        await client.data(
            BOOK,
            {
                "i": {
                    "siteId": site,
                    "actingStaffId": staff,
                    "guestName": "Mr Qian",
                    "resourceKind": "room",
                    "resource": "V8",
                    "businessDate": "2026-12-09",
                }
            },
        )
    )["book"]["booking"]
    assert from_global_id(booking["id"]) == ("Booking", str(booking["legacyId"]))

    got = await client.data(NODE, {"id": appointment["id"]})
    assert got["node"] == {
        "__typename": "Appointment",
        "id": appointment["id"],
        "legacyId": appointment["legacyId"],
        "organisation": "Harbour Bureau",
    }
    links = await client.data(
        """query($a: ID!, $b: ID!) {
          a: node(id: $a) { ... on Appointment { site { id } madeBy { id } approvedBy { id } } }
          b: node(id: $b) { ... on Booking { site { id } bookedBy { id name } customer { id } } }
        }""",
        {"a": appointment["id"], "b": booking["id"]},
    )
    assert links["a"] == {"site": {"id": site}, "madeBy": links["a"]["madeBy"], "approvedBy": None}
    assert links["b"] == {
        "site": {"id": site},
        "bookedBy": {"id": staff, "name": "Wu Fang"},
        "customer": None,
    }
    many = await client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
        {"ids": [booking["id"], gid("Booking", 999_999)]},
    )
    assert many["nodes"] == [{"__typename": "Booking", "id": booking["id"]}, None]
    # The legacy integer still works as an input, a global id of another type does not.
    wrong = await client.user_error(
        """mutation($b: ID!) { setBookingStatus(input: {bookingId: $b, status: CANCELLED}) {
          booking { id } userErrors { field message code } } }""",
        {"b": appointment["id"]},
    )
    assert wrong.extensions["code"] == "INVALID_ID"
    assert "takes the id of a Booking, got the id of a Appointment" in wrong.message


async def test_the_other_late_types_are_registered_as_nodes(client: Client) -> None:
    """node(id:) knows every type (an unknown id answers null, not an error)."""
    for name in ("AttendanceRecord", "LeaveRequest", "ExitPass", "PointsEntry", "Meeting"):
        got = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid(name, 1)})
        assert got == {"node": None}, name
    schema = client.app.schema._schema  # type: ignore[attr-defined]
    node = schema.type_map["Node"]
    for name in ("AttendanceRecord", "LeaveRequest", "ExitPass", "PointsEntry", "Meeting"):
        t = schema.type_map[name]
        assert node in t.interfaces and "legacyId" in t.fields, name


# --- plain `id` arguments take their own type only ----------------------------------------


async def _endpoint_and_delivery(client: Client) -> tuple[int, int]:
    async with client.app.write() as s:
        endpoint = webhooks.WebhookEndpoint(
            url="https://hooks.example.com/in",
            secret="s" * 32,
            event_types=["*"],
            created_at=FIXED_NOW,
            updated_at=FIXED_NOW,
        )
        s.add(endpoint)
        await s.flush()
        event = models.Event(
            stream="complaints", type="complaint.filed", payload={}, occurred_at=FIXED_NOW
        )
        s.add(event)
        await s.flush()
        delivery = webhooks.WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event.id,
            event_type=event.type,
            status=webhooks.DELIVERED,
            attempt_count=1,
            next_attempt_at=FIXED_NOW,
            created_at=FIXED_NOW,
            delivered_at=FIXED_NOW,
        )
        s.add(delivery)
        await s.flush()
        return endpoint.id, delivery.id


async def test_webhook_delivery_links_its_endpoint(client: Client) -> None:
    endpoint, delivery = await _endpoint_and_delivery(client)
    got = await client.data(
        """query($id: ID!) { node(id: $id) { ... on WebhookDelivery {
          endpointId endpoint { id legacyId url } } } }""",
        {"id": gid("WebhookDelivery", delivery)},
    )
    assert got["node"] == {
        "endpointId": gid("WebhookEndpoint", endpoint),
        "endpoint": {
            "id": gid("WebhookEndpoint", endpoint),
            "legacyId": endpoint,
            "url": "https://hooks.example.com/in",
        },
    }


async def test_a_plain_id_argument_refuses_a_global_id_of_another_type(client: Client) -> None:
    endpoint, delivery = await _endpoint_and_delivery(client)
    site = await make_site(client)
    cases = [
        (
            """mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, active: false}) {
              endpoint { id } userErrors { field message code } } }""",
            gid("WebhookDelivery", delivery),
            "WebhookEndpoint",
        ),
        (
            """mutation($id: ID!) { replayWebhookDelivery(input: {id: $id}) {
              delivery { id } userErrors { field message code } } }""",
            gid("WebhookEndpoint", endpoint),
            "WebhookDelivery",
        ),
        (
            """mutation($id: ID!) { revokeApiToken(input: {id: $id}) {
              token { id } userErrors { field message code } } }""",
            site,
            "ApiToken",
        ),
    ]
    for query, wrong_id, wanted in cases:
        error = await client.user_error(query, {"id": wrong_id})
        assert error.extensions["code"] == "INVALID_ID", (query, error)
        assert error.extensions["field"] == ["input", "id"]
        assert f"takes the id of a {wanted}" in error.message
    async with client.app.db.session() as s:  # nothing written
        row = await s.get(webhooks.WebhookEndpoint, endpoint)
        assert row is not None and row.active
        tokens = (await s.scalars(select(auth.ApiToken.revoked_at))).all()
        assert all(t is None for t in tokens)
    # Their own type (and the legacy integer) still work.
    ok = await client.data(
        """mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, active: false}) {
          endpoint { active } userErrors { code } } }""",
        {"id": gid("WebhookEndpoint", endpoint)},
    )
    assert ok["updateWebhookEndpoint"]["endpoint"] == {"active": False}
    assert legacy(gid("WebhookEndpoint", endpoint)) == endpoint
