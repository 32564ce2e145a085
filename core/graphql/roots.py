"""The core root-type mixins ``schema.build`` composes into Query, Mutation, Subscription.

Each core area (directory and visits, complaints, webhooks, …) contributes one strawberry
type per root; plugins contribute through hooks instead.
"""

from __future__ import annotations

from core.graphql.admin import AdminMutation, AdminQuery
from core.graphql.appointments import AppointmentMutation, AppointmentQuery
from core.graphql.attendance import (
    AttendanceMutation,
    AttendanceQuery,
    AttendanceSubscription,
)
from core.graphql.complaints import ComplaintMutation, ComplaintQuery
from core.graphql.events import EVENT_TYPES
from core.graphql.mutations import CoreMutation
from core.graphql.queries import CoreQuery
from core.graphql.subscriptions import ComplaintSubscription, VisitSubscription
from core.graphql.version import VersionQuery
from core.graphql.webhooks import WebhookMutation, WebhookQuery
from core.graphql.workforce import WorkforceMutation, WorkforceQuery

QUERY_MIXINS: list[type] = [
    CoreQuery,
    AdminQuery,
    WebhookQuery,
    ComplaintQuery,
    WorkforceQuery,
    AttendanceQuery,
    AppointmentQuery,
    VersionQuery,
]
MUTATION_MIXINS: list[type] = [
    CoreMutation,
    AdminMutation,
    WebhookMutation,
    ComplaintMutation,
    WorkforceMutation,
    AttendanceMutation,
    AppointmentMutation,
]
SUBSCRIPTION_MIXINS: list[type] = [
    ComplaintSubscription,
    AttendanceSubscription,
    VisitSubscription,
]
# Types no field names directly (the implementations of the ComplaintEvent interface).
CORE_TYPES: list[type] = [*EVENT_TYPES]
