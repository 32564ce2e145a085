"""The core root-type mixins ``schema.build`` composes into Query, Mutation, Subscription.

Each core area (directory and visits, complaints, webhooks, …) contributes one strawberry
type per root; plugins contribute through hooks instead.
"""

from __future__ import annotations

from core.graphql.admin import AdminMutation, AdminQuery
from core.graphql.mutations import CoreMutation
from core.graphql.queries import CoreQuery

QUERY_MIXINS: list[type] = [CoreQuery, AdminQuery]
MUTATION_MIXINS: list[type] = [CoreMutation, AdminMutation]
SUBSCRIPTION_MIXINS: list[type] = []
