"""Every hook a Frontdesk plugin can implement, grouped by phase.

A plugin is a module (or object) with functions decorated ``@hookimpl`` whose names match the
specs below; built-in business lines (``plugins/realestate`` …) are registered exactly like
third-party packages that declare an entry point in the ``frontdesk`` group.

Conventions (after pytest and Datasette):

* Hook names say what you return: ``frontdesk_penalty_table`` returns a penalty table.
* **Line hooks** (:data:`LINE_HOOKS`) concern one business line.  Core calls them only on
  the plugin that owns the site's business line (``PluginInfo.business_line``), never on any
  other: a line cannot answer for another line's sites, whatever it returns, and needs no
  "is this site mine?" guard.  Exactly one plugin may claim a business line.
* Hooks that need the database may be written ``async def`` (or return an awaitable); core
  awaits it inside the caller's transaction, so the plugin's rows commit or roll back with the
  core change.  :func:`frontdesk_business_date` is the exception: it must answer synchronously.
* Disabled plugins are left out of every call except the metadata and migration hooks and
  the GraphQL declarations (``frontdesk_graphql_*``, ``frontdesk_error_codes``: the schema of
  an installation does not change when a line is switched off; its fields answer
  LINE_DISABLED), so a disabled business line changes nothing while its data stays in place.

Every spec here has documentation (this docstring) and a test; ``tests/test_hookspecs.py``
fails when one is missing either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Awaitable, Mapping
    from datetime import date, datetime

    from core.contracts import (
        ComplaintFines,
        ComplaintPolicy,
        DemoContext,
        DomainEvent,
        LineErrorCode,
        LineInput,
        LineInputReceived,
        MigrationBranch,
        PenaltyBounds,
        PluginInfo,
        ReceptionContext,
        ReceptionOutcome,
        RollCallDecided,
        SaleAttribution,
        SaleContext,
        StaffRole,
        SwapProposal,
        SwapVerdict,
        VisitRecorded,
        WorkforcePolicy,
    )
    from core.models import Penalty, Site
    from core.penalties import C14Charge, PenaltyRuleSpec

PROJECT = "frontdesk"

#: Hooks dispatched only to the plugin owning the business line concerned (see above).
LINE_HOOKS: frozenset[str] = frozenset(
    {
        "frontdesk_business_date",
        "frontdesk_receive_visit",
        "frontdesk_visit_recorded",
        "frontdesk_attribute_sale",
        "frontdesk_penalty_table",
        "frontdesk_complaint_policy",
        "frontdesk_staff_roles",
        "frontdesk_line_input_received",
        "frontdesk_validate_shift_swap",
        "frontdesk_complaint_fines",
        "frontdesk_roll_call_decided",
    }
)

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- Registration --------------------------------------------------------------------------


@hookspec
def frontdesk_plugin_info() -> PluginInfo:
    """Describe the plugin: code, readable name, version, whether it is a business line.

    Every plugin implements this.  ``PluginInfo.business_line`` is the code sites use
    (``"realestate"``) or ``None`` for a plugin that only reacts to events or adds fields.
    Called for enabled and disabled plugins alike (the CLI lists both).
    """


@hookspec
def frontdesk_migrations() -> MigrationBranch | None:
    """Return the plugin's Alembic branch: its ``branch_label`` and its ``versions`` folder.

    The branch ``depends_on`` a core revision and is never merged into core (Alembic's
    "Working with Multiple Bases").  ``frontdesk db upgrade`` brings the database to the
    heads of core and of every enabled plugin.  Called for disabled plugins too, so their
    tables can be downgraded.
    """


@hookspec(firstresult=True)
def frontdesk_validate_settings(plugin: str, settings: dict[str, Any]) -> dict[str, Any] | None:
    """Check an operator's settings for ``plugin`` and return them normalised, if it is you.

    Return ``None`` when ``plugin`` is not your code.  Otherwise raise ``ValueError`` with a
    message naming the bad key (core answers INVALID_SETTINGS and stores nothing) or return
    the settings as they should be stored (JSON values).  Operators change settings with
    ``frontdesk plugins configure`` or the ``configurePlugin`` mutation; called for disabled
    plugins too, so a line can be configured before it is switched on.  Hooks that depend on
    settings receive every plugin's stored settings as ``settings`` (``{code: {...}}``).
    """


# --- Business rules ------------------------------------------------------------------------


@hookspec(firstresult=True)
def frontdesk_business_date(
    site: Site, moment: datetime, settings: Mapping[str, Mapping[str, Any]]
) -> date | None:
    """Line hook (synchronous): the business day ``moment`` belongs to at your ``site``.

    Default (no answer, ``None``): the calendar date in the site's time zone.  KTV-1 answers
    with the previous day for moments before the venue closes at 02:00.  ``settings`` holds every
    plugin's stored settings (read in the caller's transaction); take yours by your code.
    """


@hookspec(firstresult=True)
def frontdesk_receive_visit(context: ReceptionContext) -> Awaitable[ReceptionOutcome] | None:
    """Decide who receives an arriving visitor and whether the visit counts as a turn.

    Line hook: called only for sites of your business line.  Return (or, ``async def``,
    resolve to) a :class:`~core.plugin_api.ReceptionOutcome` whose ``reason`` names the
    deciding rule (``RE-2``…).  Runs inside the check-in transaction, after core has
    taken the site's reception lock, so reading and advancing a rotation is race-free.
    Raise :class:`core.plugin_api.FrontdeskError` to refuse the check-in (nothing is written).
    """


@hookspec
def frontdesk_visit_recorded(event: VisitRecorded) -> Awaitable[None] | None:
    """Line hook: react to a visit just written at your site, inside the same transaction.

    Use it to store the line's own facts about the visit (its rotation bookkeeping, a
    notification row).  Sync or ``async def``.
    """


@hookspec(firstresult=True)
def frontdesk_attribute_sale(context: SaleContext) -> Awaitable[SaleAttribution] | None:
    """Decide who gets credit for a sale (RE-13, FC-4 …): staff and shares, with the reason.

    Line hook: called only for sites of your business line; sync or ``async def``.
    """


@hookspec
def frontdesk_penalty_table(
    business_line: str, settings: Mapping[str, Mapping[str, Any]]
) -> list[PenaltyRuleSpec] | None:
    """Line hook: return your line's penalty table (``business_line`` is always yours).

    Core adds the cross-line C-14 entries to every line's table (see
    :func:`frontdesk_c14_bounds` to adjust their amounts); do not declare them here.

    ``settings`` holds every plugin's stored settings (an operator may have tuned the table).

    Entries are policy data (:class:`core.penalties.PenaltyRuleSpec`): fines in CNY as
    ``Decimal``, points, suspension days, with bounds.  Core syncs them into the
    ``penalty_rules`` table when the line is enabled; penalties are issued only from there.
    """


@hookspec(firstresult=True)
def frontdesk_complaint_policy(
    site: Site, complaint: dict[str, Any], settings: Mapping[str, Mapping[str, Any]]
) -> ComplaintPolicy | None:
    """Line hook: the severity and the deadline targets of a complaint at your ``site``.

    ``complaint`` holds the filed facts (category, description, channel, households …);
    ``settings`` every plugin's stored settings (``{code: {...}}``, issue 15: so a line's
    policy overrides reach the complaint's clocks) — declare only the arguments you use.
    Default (``None``): general severity with the C-8 / C-11 targets.  PM-4 / PM-5 answer
    here.  Sync or ``async def``.
    """


@hookspec
def frontdesk_c14_bounds(
    bounds: PenaltyBounds, business_line: str, settings: Mapping[str, Mapping[str, Any]]
) -> PenaltyBounds | None:
    """Chain hook: adjust the bounds of core's C-14 fines for ``business_line``.

    C-14 entries (fine on the person at fault, fine on the first-responsible manager, the
    compensation of a financial loss) belong to core and every line's table has them.  Core
    calls this on the owner of ``business_line`` and on plugins that are not business lines,
    in registration order: each receives the previous ``bounds`` and returns new ones (or
    ``None`` to keep them), as Saleor's plugins reduce one value.  Bounds are CNY ``Decimal``.
    """


@hookspec
def frontdesk_workforce_policy(
    policy: WorkforcePolicy, site: Site, settings: Mapping[str, Mapping[str, Any]]
) -> WorkforcePolicy | None:
    """Chain hook: adjust core's workforce numbers (C-15 swap limit and fine, the rest that
    separates two shifts; KTV-4 leave lead days, the start of the business day, wage days per
    day of absenteeism, days of absenteeism that end employment; PM-9 minutes late that count
    as an absence, what a forgotten clock-in is recorded as, days off a month, the monthly
    points table (``PointsScheme``: allowance, items with stepped rules, floor, thresholds);
    KTV-2 the meeting time and how long the roll stays open; C-3 the appointment kinds and the
    visitor kinds whose walk-ins need an appointment at check-in; the booking kinds, e.g. FC-3's
    appointment book effective with a signature or an SMS) for ``site``.

    Rosters and the swap register belong to core.  Core calls this on the owner of the site's
    business line, then on plugins that are no business line, in registration order: each
    receives the previous ``policy`` and returns a new one (``dataclasses.replace``) or
    ``None`` to keep it.  Seed 002 篇12 lowers the monthly limit to 2 with a 20 CNY fine.
    """


# --- Workforce: shift swaps (C-15; issue 12) -------------------------------------------------
# Kept beside ``frontdesk_workforce_policy``: the policy sets the numbers, this hook judges one
# swap.


@hookspec(firstresult=True)
def frontdesk_validate_shift_swap(
    proposal: SwapProposal,
) -> Awaitable[SwapVerdict | None] | SwapVerdict | None:
    """Line hook: refuse or adjust one C-15 shift swap at your site.

    Called when a swap is requested and again when the manager approves it (``proposal.stage``
    ``"request"`` / ``"approval"``), after core's own C-15 checks: ``proposal.refusal`` holds
    core's refusal (code and reason) or None.  Return ``None`` to keep core's decision, or a
    :class:`~core.plugin_api.SwapVerdict`, which replaces it: a ``refusal`` refuses the swap
    with your code and reason (nothing written), no refusal lets it go ahead, and ``fines``
    (:class:`~core.plugin_api.SwapFine`, from your penalty table) are issued when the swap is
    approved — e.g. seed 002 篇12's limit of 2 a month with a 20 CNY fine.  Sync or
    ``async def`` (read through ``proposal.session``; do not write).
    """


@hookspec
def frontdesk_staff_roles() -> list[StaffRole]:
    """Line hook: the staff roles your line brings (membership consultant, night duty
    manager, host …).

    Sites of your line accept them in ``addStaff(role:)`` beside core's roles; a role that
    is neither answers UNKNOWN_ROLE listing what the site accepts.
    """


# --- GraphQL --------------------------------------------------------------------------------


@hookspec
def frontdesk_graphql_types() -> list[type]:
    """Return strawberry types to add to the schema even if no field references them."""


@hookspec
def frontdesk_graphql_type_fields() -> dict[str, list[Any]]:
    """Return fields to splice into core types: ``{"Visit": [strawberry.field(...)]}``.

    Core types that accept fields: ``Site``, ``Customer``, ``Staff``, ``Visit``,
    ``Complaint``.  Give each field an explicit ``name``.  A field that needs the database
    carries ``metadata={"prefetch": async_fn}``: core calls ``await async_fn(session, roots)``
    once per page and the resolver reads the result from ``info.context`` — no N+1.
    Pages select only the columns their selection reads: the roots a loader receives carry
    ``id`` and the selected columns, so a loader (or a resolver) reading more declares it with
    ``metadata=needs("party_size", ...)`` (``core.graphql.loading.needs``); a resolver that
    declares nothing makes the page load every column.
    Two enabled plugins adding the same field name to one type is a start-up error.
    """


@hookspec
def frontdesk_graphql_input_fields() -> list[LineInput]:
    """Return :class:`~core.plugin_api.LineInput` fields to add to core inputs.

    One field type for every extensible input: ``CheckInVisitInput``, ``CreateSiteInput``,
    ``AddStaffInput``, ``RegisterCustomerInput``, ``FileComplaintInput``; name the field after
    the line (``realestate``).  A check-in's value reaches ``frontdesk_receive_visit`` as
    ``context.line_input``; the others reach ``frontdesk_line_input_received`` after core
    wrote the entity.  A value set for another line than the site's is LINE_INPUT_MISMATCH.
    """


@hookspec
def frontdesk_line_input_received(received: LineInputReceived) -> Awaitable[None] | None:
    """Line hook: your field on a core input was set; store your facts about the entity.

    ``received`` carries the session (the mutation's transaction), the site, the input's
    name, the new entity's id and your value.  Raise a ``FrontdeskError`` to refuse the whole
    mutation (nothing is written).  Sync or ``async def``.
    """


@hookspec
def frontdesk_graphql_queries() -> list[Any]:
    """Return root ``Query`` fields (``strawberry.field(resolver=..., name=...)``)."""


@hookspec
def frontdesk_graphql_mutations() -> list[Any]:
    """Return root ``Mutation`` fields declared with ``core.plugin_api.line_mutation``: each
    gets ``<Name>Input``/``<Name>Payload`` and typed ``userErrors`` (schema 1.0)."""


@hookspec
def frontdesk_error_codes() -> list[LineErrorCode]:
    """Return the error codes this line raises (``LineErrorCode``: code, description, the
    core domains whose mutations its hooks refuse with it).  They are the values of the
    line's ``<Line>ErrorCode`` enum, and of core's ``VisitErrorCode`` … for ``also_in``; a
    code raised by a line mutation and not declared is answered as a generic code (and
    logged).  Called for every installed line, enabled or not: the schema does not change
    when a line is switched off."""


@hookspec
def frontdesk_graphql_subscriptions() -> list[Any]:
    """Return root ``Subscription`` fields (``strawberry.subscription(...)``)."""


# --- Fines inside core's transactions (issue 16: KTV-6, KTV-2, KTV-10) ----------------------
# A line's penalty for something core decides is issued in the very transaction core writes
# the decision in: all or nothing, no after-commit reaction that could be lost.


@hookspec(firstresult=True)
def frontdesk_complaint_fines(
    context: ComplaintFines,
) -> Awaitable[list[C14Charge] | None] | list[C14Charge] | None:
    """Line hook: the C-14 entries of a complaint verified as one staff member's fault
    (``verifyComplaintFault``), replaced or adjusted by the site's line.

    ``context.charges`` are core's C-14 charges; return the charges to issue instead (build
    them with :class:`~core.plugin_api.ComplaintCharge`), or ``None`` to keep core's.  KTV-6:
    an attitude complaint at a KTV venue is fined 100 under the line's own code in place of
    C-14's staff fine.  Codes must be in the site's penalty table and amounts within its
    bounds (else PENALTY_RULE_NOT_FOUND / PENALTY_AMOUNT_OUT_OF_RANGE, nothing written).
    Sync or ``async def``; called in the mutation's transaction.
    """


@hookspec
def frontdesk_roll_call_decided(context: RollCallDecided) -> Awaitable[list[Penalty] | None] | None:
    """Line hook: a line of a meeting's roll was decided (KTV-2: late or absent at the close;
    KTV-10: a cancelled room booking, or 补签 after the close); issue the line's fines with
    ``issue_penalty`` in ``context.session`` — the roll call's own transaction, so the fine
    and the roll commit or roll back together.  Return the penalties issued (their ids go in
    the ``meeting.late`` / ``absence.recorded`` event), or ``None``.  Sync or ``async def``.
    """


# --- Events and data ------------------------------------------------------------------------


@hookspec
def frontdesk_event(event: DomainEvent) -> Awaitable[None] | None:
    """React to a domain event after its transaction committed (notify, call out).

    Must not raise for ordinary failures: log them.  Return an awaitable or ``None``.
    """


@hookspec
def frontdesk_demo_data(context: DemoContext) -> Awaitable[None] | None:
    """Load demo data for your business line when it is enabled (``frontdesk demo``).

    ``context`` gives a session, ``now``, and a progress callback.
    """


# --- Complaint transitions a line may refuse (issue 15: PM-5 signed revisit, PM-6 five steps) --
# Kept in its own block: core's complaint lifecycle (C-9) asks the site's line, inside the
# transition's transaction and before anything is written, whether the move may happen.

if TYPE_CHECKING:
    from core.contracts import ComplaintTransition
    from core.decisions import Reason


@hookspec(firstresult=True)
def frontdesk_validate_complaint_transition(
    transition: ComplaintTransition,
) -> Reason | Awaitable[Reason | None] | None:
    """Line hook: refuse a complaint's move at your site (``transitionComplaint``).

    ``transition`` (:class:`~core.contracts.ComplaintTransition`) holds the session, the site,
    the locked complaint row before the move, ``previous`` and ``target`` statuses, the actor,
    ``now`` and the plugins' settings.  Return a :class:`~core.decisions.Reason` naming your
    rule to refuse (core answers ``TRANSITION_REFUSED`` with that rule and message, nothing
    is written) or ``None`` to let core's C-9 state machine decide alone.  Called only after
    the move is legal for C-9, and only on the site's line.  Sync or ``async def``.  The
    property line refuses ``REVISITED`` without a revisit signed by the customer (PM-5) and
    ``CLOSED`` while a step of the five clears and one report is missing (PM-6).
    """


LINE_HOOKS = LINE_HOOKS | frozenset({"frontdesk_validate_complaint_transition"})
