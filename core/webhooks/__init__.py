"""Webhooks: every matching event, signed, in order, to each registered endpoint.

Design (why it cannot lose, reorder or — for an idempotent receiver — duplicate an event):

* **Outbox rows in the event's transaction.**  :func:`enqueue_deliveries` listens to
  ``core.events.record_event`` (the runtime subscribes it; events know no consumer) and adds
  one ``webhook_deliveries`` row per active endpoint whose ``event_types`` match, in the same
  transaction as the event.  A committed event has its deliveries; a rolled-back one has none.
  Nothing depends on the in-process bus or the ``frontdesk_event`` hook, which may miss
  events (a crash between commit and publish).
* **In order per endpoint.**  The dispatcher only ever sends an endpoint's *head*: its
  pending delivery with the lowest event id.  Delivery N+1 waits until N succeeded (2xx).
  The dispatcher reads deliveries up to the event horizon only (``core.events``: every
  event up to it is final), so a delivery row never appears behind one that was already
  sent, within a stream and across streams.
* **At least once, with a stable id.**  A delivery is marked delivered only after the
  receiver answered 2xx; a crash in between resends it with the same
  ``Frontdesk-Event-Id``.  A receiver that ignores ids it has seen therefore sees every
  event exactly once, in order.
* **One sender per endpoint across processes.**  A process claims an endpoint with a lease
  (``lease_owner``/``lease_expires_at``, a conditional UPDATE that works on PostgreSQL and
  SQLite) before sending; a heartbeat renews the short lease while it sends, so a killed
  process's endpoints are taken over within one lease (``webhook_lease_seconds``).
* **Never in the request path.**  Mutations only insert rows; HTTP happens in the
  dispatcher task, with exponential backoff (``base * 2**(attempt-1)``, capped) when the
  receiver is down or answers non-2xx.

Modules: :mod:`.tables` (endpoints, deliveries, attempts), :mod:`.signing` (the header, its
check, the body), :mod:`.services` (what the mutations call, and the outbox) and
:mod:`.dispatcher` (the sender).  Import from this package; its names are the old module's.

Signature: ``Frontdesk-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`` with
``Frontdesk-Timestamp`` (Unix seconds) and ``Frontdesk-Event-Id``; see :func:`verify_signature`.
"""

from __future__ import annotations

from core.webhooks.dispatcher import (
    WebhookConfig,
    WebhookDispatcher,
    run_webhook_dispatcher,
    wake_dispatcher,
)
from core.webhooks.services import (
    enqueue_deliveries,
    get_endpoint,
    register_endpoint,
    replay_delivery,
    update_endpoint,
    wants,
)
from core.webhooks.signing import SIGNATURE_VERSION, event_body, signature, verify_signature
from core.webhooks.tables import (
    DELIVERED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "DELIVERED",
    "PENDING",
    "SIGNATURE_VERSION",
    "WebhookAttempt",
    "WebhookConfig",
    "WebhookDelivery",
    "WebhookDispatcher",
    "WebhookEndpoint",
    "enqueue_deliveries",
    "event_body",
    "get_endpoint",
    "register_endpoint",
    "replay_delivery",
    "run_webhook_dispatcher",
    "signature",
    "update_endpoint",
    "verify_signature",
    "wake_dispatcher",
    "wants",
]
