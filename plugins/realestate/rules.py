"""Who receives a visitor at a real-estate sales office, and who gets the deal.

DOMAIN.md RE-1 .. RE-15 (seeds 000 篇三 and 001 篇5) as pure functions: no database, no
web, no clock. The day's reception rotation (轮流接待) is an immutable :class:`RotationState`
that the platform stores as JSON, one row per site per business day; every function takes
the state (and ``now``, timezone-aware, when the time matters) and returns a decision with
its :class:`~core.decisions.Reason` plus the next state.

A typical day::

    state = start_day(["li", "wang", "zhao"], date(2025, 3, 3), on_leave=["zhao"])
    decision, state = decide_reception(state, VisitFacts(), now)   # li, RE-1
    state = set_status(state, "wang", SalespersonStatus.BUSINESS_CALL, now)
    decision, state = decide_reception(state, VisitFacts(), now)   # li again; wang owed RE-2
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from core.plugin_api.rules import PenaltyRuleSpec, Reason
from plugins.realestate.policy import (
    DEFAULT_POLICY,
    ORDER_GRABBING_CODE,
    RealEstatePolicy,
)

ROTATION_STATE_VERSION = 1


class RotationError(ValueError):
    """A request the rotation cannot honour; ``code`` is stable for GraphQL extensions."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SalespersonStatus(StrEnum):
    """Where a salesperson in today's order is, as far as the rotation cares (RE-2..RE-5)."""

    AVAILABLE = "available"
    RECEIVING = "receiving"
    # RE-2: serving a customer who has already bought (after-sale service): owed a make-up.
    AFTER_SALE = "after_sale"
    # RE-2 / RE-6: serving an old customer who has not yet bought: that reception already
    # counted as their turn, so a skip owes nothing.
    SERVING_OLD_CUSTOMER = "serving_old_customer"
    BUSINESS_CALL = "business_call"
    COMPANY_BUSINESS = "company_business"
    PRIVATE_AWAY = "private_away"
    ON_LEAVE = "on_leave"
    SUSPENDED = "suspended"


class Channel(StrEnum):
    """How the inquiry reached the office (RE-13: both are registered)."""

    WALK_IN = "walk_in"
    PHONE = "phone"


class VisitorKind(StrEnum):
    """What the visitor is, as declared or evident at the door (RE-8, RE-9, RE-10).

    The values are those of ``core.models.VisitorKind``.
    """

    CUSTOMER = "customer"
    MARKET_SURVEYOR = "market_surveyor"
    RELATED_PARTY = "related_party"
    DIRECTIONS = "directions"
    LOOKING_FOR_SOMEONE = "looking_for_someone"


class RelatedParty(StrEnum):
    """Which related company a RELATED_PARTY visitor comes from (RE-9, 篇5 6 注)."""

    DEVELOPER = "developer"
    OWN_COMPANY = "own_company"
    AD_AGENCY = "ad_agency"
    DECORATION = "decoration"
    ETIQUETTE = "etiquette"


_PASSERS_BY = frozenset({VisitorKind.DIRECTIONS, VisitorKind.LOOKING_FOR_SOMEONE})

# RE-2: busy for the company, so the skipped turn is owed back (补接). Seed 000 篇三 1:
# 正在接待其他客戶、接電話或其他公務離開前臺,則跳過,以后再補; 篇三 7: 接待的為已成交客戶 …
# 不計接待次數. Not SERVING_OLD_CUSTOMER: 未成交老客戶 … 該則計一次接待任務 (no make-up).
_OWED_MAKE_UP = frozenset(
    {
        SalespersonStatus.RECEIVING,
        SalespersonStatus.AFTER_SALE,
        SalespersonStatus.BUSINESS_CALL,
        SalespersonStatus.COMPANY_BUSINESS,
    }
)
# RE-6 / RE-5: at the office, so their own customer can be brought to them.
_ON_SITE = frozenset(
    {
        SalespersonStatus.AVAILABLE,
        SalespersonStatus.RECEIVING,
        SalespersonStatus.AFTER_SALE,
        SalespersonStatus.SERVING_OLD_CUSTOMER,
        SalespersonStatus.BUSINESS_CALL,
        SalespersonStatus.SUSPENDED,
    }
)
# A suspension (停牌) only takes the salesperson out of the rotation (RE-5); they still
# serve their own customers, so for those they count as free.
_FREE_FOR_OWN_CUSTOMER = frozenset({SalespersonStatus.AVAILABLE, SalespersonStatus.SUSPENDED})
_OUT_OF_ROTATION = frozenset({SalespersonStatus.ON_LEAVE, SalespersonStatus.SUSPENDED})

_STATUS_WORDS: dict[SalespersonStatus, str] = {
    SalespersonStatus.AVAILABLE: "available",
    SalespersonStatus.RECEIVING: "receiving another customer",
    SalespersonStatus.AFTER_SALE: "serving a customer who has already bought (after-sale service)",
    SalespersonStatus.SERVING_OLD_CUSTOMER: "serving an old customer who has not yet bought",
    SalespersonStatus.BUSINESS_CALL: "on a business call",
    SalespersonStatus.COMPANY_BUSINESS: "out on company business",
    SalespersonStatus.PRIVATE_AWAY: "away for a private reason",
    SalespersonStatus.ON_LEAVE: "on leave today",
    SalespersonStatus.SUSPENDED: "suspended from the rotation",
}


class Skip(NamedTuple):
    """A salesperson passed over on the way to the receiver, and why (RE-2..RE-5)."""

    staff_id: str
    reason: Reason


class Notification(NamedTuple):
    """Something a person must be told now: a stable ``kind``, a sentence, the rule id."""

    kind: str
    message: str
    rule: str


@dataclass(frozen=True, slots=True)
class RotationState:
    """One site's reception rotation for one business day (RE-1).

    - ``order``: the sales manager's order for the day (staff ids).
    - ``next_index``: index in ``order`` of whose turn is next for a new customer.
    - ``make_up_queue``: make-up turns owed (RE-2), oldest first; a salesperson skipped
      twice is in it twice.
    - ``statuses``: (staff id, status) for everyone in ``order``, in that order.
    - ``suspensions``: (staff id, last suspended day) carried from order-grabbing (RE-5).
    - ``reception_counts``: (staff id, counted receptions today) in ``order`` (RE-15).
    - ``phone_next_index``: whose turn it is to answer the next phone inquiry (seed 000
      篇三 3, 按顺序轮流接听电话); phone calls never move the walk-in rotation.
    - ``passes_owed``: salespeople whose returning customer used their turn (RE-6): the
      next time the rotation reaches them they are passed over once; once per reception.

    Build one with :func:`start_day`; store it with :meth:`to_json`.
    """

    business_date: date
    order: tuple[str, ...]
    next_index: int
    make_up_queue: tuple[str, ...]
    statuses: tuple[tuple[str, SalespersonStatus], ...]
    suspensions: tuple[tuple[str, date], ...]
    reception_counts: tuple[tuple[str, int], ...]
    phone_next_index: int = 0
    passes_owed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.order:
            raise RotationError("EMPTY_ORDER", "The day's rotation order names nobody (RE-1).")
        if len(set(self.order)) != len(self.order) or not all(self.order):
            raise RotationError(
                "INVALID_ORDER",
                f"The rotation order {list(self.order)} repeats or has an empty staff id.",
            )
        for name in ("next_index", "phone_next_index"):
            index = getattr(self, name)
            if not 0 <= index < len(self.order):
                raise RotationError("INVALID_ROTATION_STATE", f"{name} {index} is out of range")
        if tuple(staff for staff, _ in self.statuses) != self.order:
            raise RotationError(
                "INVALID_ROTATION_STATE", "statuses must list everyone in the order, in order"
            )
        if tuple(staff for staff, _ in self.reception_counts) != self.order or any(
            count < 0 for _, count in self.reception_counts
        ):
            raise RotationError(
                "INVALID_ROTATION_STATE",
                "reception_counts must give a count >= 0 for everyone in the order, in order",
            )
        strangers = (set(self.make_up_queue) | set(self.passes_owed)) - set(self.order)
        if strangers:
            raise RotationError(
                "INVALID_ROTATION_STATE",
                f"make-up turns or passes owed to staff not in the order: {sorted(strangers)}",
            )

    def status_of(self, staff_id: str) -> SalespersonStatus:
        """The salesperson's status; RotationError UNKNOWN_STAFF when not in today's order."""
        for staff, status in self.statuses:
            if staff == staff_id:
                return status
        raise RotationError(
            "UNKNOWN_STAFF", f"{staff_id} is not in today's rotation order {list(self.order)}."
        )

    def count_of(self, staff_id: str) -> int:
        """Counted receptions today (RE-15); RotationError UNKNOWN_STAFF when not in order."""
        self.status_of(staff_id)
        return dict(self.reception_counts)[staff_id]

    def suspended_until(self, staff_id: str) -> date | None:
        """Last day of the salesperson's order-grabbing suspension (RE-5), if any."""
        return dict(self.suspensions).get(staff_id)

    def to_json(self) -> dict[str, Any]:
        """A plain JSON-able dict; :meth:`from_json` reads it back."""
        return {
            "version": ROTATION_STATE_VERSION,
            "business_date": self.business_date.isoformat(),
            "order": list(self.order),
            "next_index": self.next_index,
            "phone_next_index": self.phone_next_index,
            "make_up_queue": list(self.make_up_queue),
            "passes_owed": list(self.passes_owed),
            "statuses": {staff: status.value for staff, status in self.statuses},
            "suspensions": {staff: until.isoformat() for staff, until in self.suspensions},
            "reception_counts": dict(self.reception_counts),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RotationState:
        """Read a dict written by :meth:`to_json`; RotationError INVALID_ROTATION_STATE."""
        if data.get("version") != ROTATION_STATE_VERSION:
            raise RotationError(
                "INVALID_ROTATION_STATE",
                f"unsupported rotation state version {data.get('version')!r}",
            )
        try:
            order = tuple(str(staff) for staff in data["order"])
            statuses = data["statuses"]
            counts = data["reception_counts"]
            return cls(
                business_date=date.fromisoformat(data["business_date"]),
                order=order,
                next_index=int(data["next_index"]),
                phone_next_index=int(data["phone_next_index"]),
                make_up_queue=tuple(str(staff) for staff in data["make_up_queue"]),
                # Absent in states stored before RE-6 used the turn (2026-12-01).
                passes_owed=tuple(str(staff) for staff in data.get("passes_owed", ())),
                statuses=tuple((staff, SalespersonStatus(statuses[staff])) for staff in order),
                suspensions=tuple(
                    sorted(
                        (str(staff), date.fromisoformat(until))
                        for staff, until in data["suspensions"].items()
                    )
                ),
                reception_counts=tuple((staff, int(counts[staff])) for staff in order),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, RotationError):
                raise
            raise RotationError(
                "INVALID_ROTATION_STATE", f"stored rotation state is malformed: {exc!r}"
            ) from exc


@dataclass(frozen=True, slots=True)
class VisitFacts:
    """What the front desk knows about an arriving visitor or caller.

    - ``named_staff_id``: the salesperson the customer asks for or says they contacted
      before (RE-5, RE-7, RE-12).
    - ``original_staff_id``: the salesperson who registered this returning customer (RE-6),
      or who owns the company/family group the visitor belongs to (RE-11, then set
      ``same_group_as_existing``). Takes precedence over ``named_staff_id``.
    - ``claims_prior_contact_absent``: the customer says they contacted someone before who
      is not here, without a name the desk can match (RE-7). With ``named_staff_id`` the
      rotation state decides whether that person is here.
    - ``first_visit``: first time at the office (RE-7; a repeat walk-in whose salesperson is
      not identified is received in rotation, RE-15).
    - ``units_requested``: units the customer asks for at once, 0 if not said (RE-14).
    - ``brought_by_existing_customer``: an old customer brought this new one (RE-12).
    - ``has_bought``: the returning customer (``original_staff_id``) has already bought, so
      their salesperson gives after-sale service: not counted, turn not used (RE-2, RE-6).
    - ``related_party``: with ``VisitorKind.RELATED_PARTY``, which company (RE-9).
    """

    channel: Channel = Channel.WALK_IN
    visitor_kind: VisitorKind = VisitorKind.CUSTOMER
    related_party: RelatedParty | None = None
    named_staff_id: str | None = None
    original_staff_id: str | None = None
    same_group_as_existing: bool = False
    claims_prior_contact_absent: bool = False
    first_visit: bool = True
    units_requested: int = 0
    brought_by_existing_customer: bool = False
    has_bought: bool = False

    def __post_init__(self) -> None:
        if self.units_requested < 0:
            raise ValueError(f"units_requested must be >= 0, got {self.units_requested}")
        if self.same_group_as_existing and not self.original_staff_id:
            raise ValueError("same_group_as_existing needs the group's original_staff_id (RE-11)")
        if self.related_party is not None and self.visitor_kind is not VisitorKind.RELATED_PARTY:
            raise ValueError("related_party goes with visitor_kind RELATED_PARTY (RE-9)")


@dataclass(frozen=True, slots=True)
class ReceptionDecision:
    """Who receives the visitor and what it does to the rotation.

    ``counted``: counts as one reception (接待次数) of the receiver (RE-15), whether or not
    it was their rotation turn. ``new_registration``: the receiver registers a new customer
    in the register under their name (RE-13). ``made_up_turn``: the receiver took a make-up
    turn (RE-2). ``skipped``: who was passed over on the way and why. ``receiver_id`` is
    None only when nobody can receive (reason RE-1); the state is then unchanged.
    """

    receiver_id: str | None
    counted: bool
    new_registration: bool
    made_up_turn: bool
    reason: Reason
    notifications: tuple[Notification, ...] = ()
    skipped: tuple[Skip, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderGrabbingDecision:
    """The ruling on an order-grab (抢单, RE-5).

    The grabber is out of the rotation from ``suspended_from`` to ``suspended_until``
    (both inclusive); any deal with the customer is credited to ``deal_credited_to``.
    """

    grabber_id: str
    named_staff_id: str
    suspended_from: date
    suspended_until: date
    deal_credited_to: str
    penalty: PenaltyRuleSpec
    reason: Reason


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One line of the customer register (客户登记本, RE-13; append-only per C-4).

    ``customer_key`` identifies the customer's group: the same company or family shares
    one key (RE-11). ``grabbed`` marks an entry made by an order-grab that the manager
    ruled on, crediting ``named_staff_id`` instead (RE-5). ``uncounted`` marks an entry a
    later correction took back (RE-8: a surveyor found out during reception): the register
    as corrected no longer credits it (RE-13).
    """

    staff_id: str
    customer_key: str
    registered_at: datetime
    named_staff_id: str | None = None
    grabbed: bool = False
    channel: Channel = Channel.WALK_IN
    uncounted: bool = False

    def __post_init__(self) -> None:
        _require_aware(self.registered_at, "registered_at")
        if self.grabbed and (not self.named_staff_id or self.named_staff_id == self.staff_id):
            raise ValueError("a grabbed register entry names the salesperson it was taken from")


@dataclass(frozen=True, slots=True)
class CreditDecision:
    """Who is credited with a deal (RE-13), and from which register entry."""

    staff_id: str | None
    entry: RegisterEntry | None
    reason: Reason


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RotationError("NAIVE_DATETIME", f"{name} must be timezone-aware, got {moment}")


def business_date_for(now: datetime, policy: RealEstatePolicy = DEFAULT_POLICY) -> date:
    """The business day ``now`` (aware, in the site's time zone) belongs to (RE-1)."""
    _require_aware(now, "now")
    if now.time() < policy.business_day_starts_at:
        return now.date() - timedelta(days=1)
    return now.date()


def _check_today(state: RotationState, now: datetime, policy: RealEstatePolicy) -> None:
    today = business_date_for(now, policy)
    if today != state.business_date:
        raise RotationError(
            "WRONG_BUSINESS_DAY",
            f"This rotation is for {state.business_date} but it is now business day {today}; "
            "start today's rotation first (RE-1).",
        )


def start_day(
    order: Sequence[str],
    business_date: date,
    on_leave: Iterable[str] = (),
    suspended: Mapping[str, date] | None = None,
) -> RotationState:
    """The day's rotation in the sales manager's ``order`` (RE-1).

    Salespeople ``on_leave`` stay in the order but out of the rotation for the day (RE-4).
    ``suspended`` maps staff to the last day of an order-grabbing suspension (RE-5), e.g.
    the previous day's ``state.suspensions``; those still running are kept and take the
    salesperson out of the rotation. The first turn is the first in the order.
    """
    order_t = tuple(order)
    leave = set(on_leave)
    strangers = leave - set(order_t)
    if strangers:
        raise RotationError(
            "UNKNOWN_STAFF", f"On leave but not in the day's order: {sorted(strangers)} (RE-4)."
        )
    running = tuple(
        sorted(
            (staff, until) for staff, until in (suspended or {}).items() if until >= business_date
        )
    )
    suspended_now = {staff for staff, _ in running}

    def first_status(staff: str) -> SalespersonStatus:
        if staff in suspended_now:
            return SalespersonStatus.SUSPENDED
        if staff in leave:
            return SalespersonStatus.ON_LEAVE
        return SalespersonStatus.AVAILABLE

    return RotationState(
        business_date=business_date,
        order=order_t,
        next_index=0,
        make_up_queue=(),
        statuses=tuple((staff, first_status(staff)) for staff in order_t),
        suspensions=running,
        reception_counts=tuple((staff, 0) for staff in order_t),
    )


def _with_status(
    state: RotationState, staff_id: str, status: SalespersonStatus
) -> tuple[tuple[str, SalespersonStatus], ...]:
    return tuple(
        (staff, status if staff == staff_id else current) for staff, current in state.statuses
    )


def _without_make_ups(queue: tuple[str, ...], staff_id: str) -> tuple[str, ...]:
    return tuple(staff for staff in queue if staff != staff_id)


def set_status(
    state: RotationState,
    staff_id: str,
    status: SalespersonStatus,
    now: datetime,
    *,
    policy: RealEstatePolicy = DEFAULT_POLICY,
) -> RotationState:
    """Mark a salesperson away (and why) or back.

    The status decides how a later skip is treated (RE-2 make-up vs RE-3 forfeit); coming
    back consumes nothing, the make-up is taken on the next new customer (RE-2). Going on
    leave mid-day drops the make-up turns owed (RE-4: leave gives up the day's turns).
    A suspension is only set by :func:`apply_suspension` and not lifted before it ends.
    """
    _check_today(state, now, policy)
    current = state.status_of(staff_id)
    if status is SalespersonStatus.SUSPENDED:
        raise RotationError(
            "SUSPENSION_NEEDS_RULING",
            "A suspension comes only from an order-grabbing ruling (RE-5): use apply_suspension.",
        )
    if current is SalespersonStatus.SUSPENDED:
        raise RotationError(
            "STAFF_SUSPENDED",
            f"{staff_id} is suspended from the rotation until "
            f"{state.suspended_until(staff_id)} (RE-5); the status cannot change today.",
        )
    queue = state.make_up_queue
    if status is SalespersonStatus.ON_LEAVE:
        queue = _without_make_ups(queue, staff_id)
    return replace(state, statuses=_with_status(state, staff_id, status), make_up_queue=queue)


def current_order(state: RotationState) -> tuple[str, ...]:
    """Who receives the coming new customers, first to last (RE-1, RE-2).

    Make-up turns owed come first, then the rotation from whoever's turn is next; a
    salesperson whose returning customer used their turn (RE-6) is passed over once, so
    they come last; everyone in the rotation appears once, whatever their status; leave and
    suspension are left out (RE-4, RE-5).
    """
    statuses = dict(state.statuses)
    count = len(state.order)
    rotation = [state.order[(state.next_index + step) % count] for step in range(count)]
    passed = [staff for staff in rotation if staff in state.passes_owed]
    rotation = [staff for staff in rotation if staff not in state.passes_owed] + passed
    result: list[str] = []
    for staff in (*state.make_up_queue, *rotation):
        if staff not in result and statuses[staff] not in _OUT_OF_ROTATION:
            result.append(staff)
    return tuple(result)


def _available_in_current_order(state: RotationState, exclude: str | None = None) -> list[str]:
    statuses = dict(state.statuses)
    return [
        staff
        for staff in current_order(state)
        if staff != exclude and statuses[staff] is SalespersonStatus.AVAILABLE
    ]


def _last_available(state: RotationState, exclude: str | None = None) -> str | None:
    # RE-6/RE-8: "当时客户接待顺序中排最后一位" — the order as it stands now, so the chore falls
    # on whoever would otherwise wait longest for a new customer.
    candidates = _available_in_current_order(state, exclude)
    return candidates[-1] if candidates else None


def _first_available(state: RotationState) -> str | None:
    candidates = _available_in_current_order(state)
    return candidates[0] if candidates else None


class _Pick(NamedTuple):
    receiver_id: str
    made_up_turn: bool
    skipped: tuple[Skip, ...]
    next_index: int
    make_up_queue: tuple[str, ...]
    passes_owed: tuple[str, ...]
    # RE-3: skipped for a private reason; each such turn counts as taken.
    forfeited: tuple[str, ...] = ()


def _skip_reason(state: RotationState, staff: str, status: SalespersonStatus) -> Reason:
    words = _STATUS_WORDS[status]
    if status in _OWED_MAKE_UP:
        return Reason(
            "RE-2",
            f"{staff} was {words} when their turn came: skipped and owed a make-up turn (补接).",
        )
    if status is SalespersonStatus.SERVING_OLD_CUSTOMER:
        return Reason(
            "RE-2",
            f"{staff} was {words} when their turn came: skipped without a make-up turn, that "
            "reception already counted as their turn (RE-6).",
        )
    if status is SalespersonStatus.PRIVATE_AWAY:
        return Reason(
            "RE-3",
            f"{staff} was {words} when their turn came: the turn counts as taken (one "
            "reception for them, 算已接待一個客戶名額) and there is no make-up.",
        )
    if status is SalespersonStatus.ON_LEAVE:
        return Reason("RE-4", f"{staff} is on leave today and out of the rotation.")
    return Reason(
        "RE-5",
        f"{staff} is suspended from the rotation (停牌) until {state.suspended_until(staff)}.",
    )


def _without_one(queue: tuple[str, ...], staff_id: str) -> tuple[str, ...]:
    position = queue.index(staff_id)
    return queue[:position] + queue[position + 1 :]


def _pick_in_rotation(state: RotationState) -> _Pick | None:
    statuses = dict(state.statuses)
    # RE-2: a salesperson back from company business takes the first new customer before
    # the normal order goes on (篇5 7: 补给当时来访的第一批客户).
    for staff in state.make_up_queue:
        if statuses[staff] is SalespersonStatus.AVAILABLE:
            queue = _without_one(state.make_up_queue, staff)
            return _Pick(staff, True, (), state.next_index, queue, state.passes_owed)
    count = len(state.order)
    skipped: list[Skip] = []
    owed: list[str] = []
    forfeited: list[str] = []
    passes = state.passes_owed
    # RE-6 passes never leave a walk-in unreceived: with everyone else busy, a salesperson
    # owed n passes is passed over n times and takes the turn on round n + 1 (each pass used
    # once the rotation reaches them), so the rounds are one more than the most passes owed.
    rounds = 1 + max((passes.count(staff) for staff in set(passes)), default=0)
    for step in range(rounds * count):
        index = (state.next_index + step) % count
        staff = state.order[index]
        status = statuses[staff]
        if staff in passes and status not in _OUT_OF_ROTATION:
            # RE-6 (seed 001 篇5 9: 无论新老客户均计有效接待一次,按顺序轮下一位): their
            # returning customer already used this turn; passed over once, no make-up.
            passes = _without_one(passes, staff)
            skipped.append(
                Skip(
                    staff,
                    Reason(
                        "RE-6",
                        f"{staff} received their own returning customer earlier, which used "
                        "their turn: passed over once, counted as taken, no make-up.",
                    ),
                )
            )
            continue
        if status is SalespersonStatus.AVAILABLE:
            return _Pick(
                staff,
                False,
                tuple(skipped),
                (index + 1) % count,
                state.make_up_queue + tuple(owed),
                passes,
                tuple(forfeited),
            )
        if step >= count:
            continue
        skipped.append(Skip(staff, _skip_reason(state, staff, status)))
        if status in _OWED_MAKE_UP:
            owed.append(staff)
        elif status is SalespersonStatus.PRIVATE_AWAY:
            forfeited.append(staff)
    return None


def next_receiver(state: RotationState) -> str | None:
    """Who would receive a new walk-in customer arriving now (RE-1, RE-2); no state change."""
    pick = _pick_in_rotation(state)
    return pick.receiver_id if pick else None


def _nobody(state: RotationState, what: str) -> ReceptionDecision:
    statuses = ", ".join(f"{staff}: {_STATUS_WORDS[status]}" for staff, status in state.statuses)
    return ReceptionDecision(
        receiver_id=None,
        counted=False,
        new_registration=False,
        made_up_turn=False,
        reason=Reason(
            "RE-1",
            f"Nobody in today's rotation is available to receive {what} ({statuses}); "
            "the sales manager must assign someone.",
        ),
    )


def _counted_for(state: RotationState, *staff_ids: str) -> tuple[tuple[str, int], ...]:
    return tuple((staff, count + staff_ids.count(staff)) for staff, count in state.reception_counts)


_ROTATION_REASONS: dict[str, str] = {
    "RE-1": "{r} is next in the rotation order and receives the new customer; it counts as "
    "one reception and the rotation moves on (RE-15).",
    "RE-7": "The customer's earlier contact is not on site and this is a first visit, so "
    "{r} receives them in rotation as a new customer.",
    "RE-12": "A new customer brought by an existing one, naming nobody, is received in "
    "rotation by {r}.",
    "RE-15": "A repeat walk-in whose salesperson is not identified counts as one reception: "
    "{r} receives them in rotation and the rotation moves on.",
}


def _receive_in_rotation(
    state: RotationState, rule: str
) -> tuple[ReceptionDecision, RotationState]:
    pick = _pick_in_rotation(state)
    if pick is None:
        return _nobody(state, "the new customer"), state
    receiver = pick.receiver_id
    if pick.made_up_turn:
        reason = Reason(
            "RE-2",
            f"{receiver} was skipped earlier while busy and takes the make-up turn owed (补接) "
            f"before the normal order goes on; the customer is received in rotation ({rule}).",
        )
    else:
        reason = Reason(rule, _ROTATION_REASONS[rule].format(r=receiver))
    decision = ReceptionDecision(
        receiver_id=receiver,
        counted=True,
        new_registration=True,
        made_up_turn=pick.made_up_turn,
        reason=reason,
        skipped=pick.skipped,
    )
    new_state = replace(
        state,
        next_index=pick.next_index,
        make_up_queue=pick.make_up_queue,
        passes_owed=pick.passes_owed,
        # RE-3: a turn forfeited for a private reason counts as one reception of theirs.
        reception_counts=_counted_for(state, receiver, *pick.forfeited),
    )
    return decision, new_state


def _not_counted(
    state: RotationState, receiver: str | None, reason: Reason, what: str
) -> tuple[ReceptionDecision, RotationState]:
    if receiver is None:
        return _nobody(state, what), state
    return (
        ReceptionDecision(
            receiver_id=receiver,
            counted=False,
            new_registration=False,
            made_up_turn=False,
            reason=reason,
        ),
        state,
    )


def _status_or_absent(state: RotationState, staff_id: str) -> SalespersonStatus | None:
    # Someone outside today's order is not working the floor today.
    return dict(state.statuses).get(staff_id)


def _receive_own_customer(
    state: RotationState, facts: VisitFacts, owner: str
) -> tuple[ReceptionDecision, RotationState]:
    rule = "RE-11" if facts.same_group_as_existing else "RE-6"
    whose = (
        f"a member of a company or family group {owner} received first"
        if facts.same_group_as_existing
        else f"a returning customer registered by {owner}"
    )
    if _status_or_absent(state, owner) in _FREE_FOR_OWN_CUSTOMER:
        if facts.has_bought:
            # RE-2 (seed 000 篇三 7: 接待的為已成交客戶 … 不計接待次數): after-sale service.
            decision = ReceptionDecision(
                receiver_id=owner,
                counted=False,
                new_registration=False,
                made_up_turn=False,
                reason=Reason(
                    rule,
                    f"The visitor is {whose} and has already bought, so {owner} gives "
                    "after-sale service: not counted and their turn is not used (RE-2).",
                ),
            )
            return decision, state
        # RE-6, seed 001 篇5 9: 无论新老客户均计有效接待一次,按顺序轮下一位 — it counts and
        # uses their turn: the next time the rotation reaches them they are passed over once.
        decision = ReceptionDecision(
            receiver_id=owner,
            counted=True,
            new_registration=False,
            made_up_turn=False,
            reason=Reason(
                rule,
                f"The visitor is {whose}, so {owner} receives them; it counts as one reception "
                "and uses their turn: the next time the rotation reaches them they are passed "
                "over once. No new registration.",
            ),
        )
        return decision, replace(
            state,
            reception_counts=_counted_for(state, owner),
            # A suspended salesperson (RE-5) has no turn today to use.
            passes_owed=state.passes_owed
            if state.status_of(owner) in _OUT_OF_ROTATION
            else (*state.passes_owed, owner),
        )
    assistant = _last_available(state, exclude=owner)
    if assistant is None:
        return _nobody(state, f"{whose}"), state
    decision = ReceptionDecision(
        receiver_id=assistant,
        counted=False,
        new_registration=False,
        made_up_turn=False,
        reason=Reason(
            rule,
            f"The visitor is {whose}, who is absent or busy: {assistant}, last in the current "
            f"order, assists; not counted as a turn and no new registration ({rule}).",
        ),
        notifications=(
            Notification(
                "inform_original_salesperson",
                f"{assistant} assisted {owner}'s customer; tell {owner} afterwards. "
                f"A deal stays with {owner} by the register (RE-13).",
                rule,
            ),
        ),
    )
    return decision, state


def _receive_named(
    state: RotationState, facts: VisitFacts, named: str, policy: RealEstatePolicy
) -> tuple[ReceptionDecision, RotationState]:
    rule = "RE-12" if facts.brought_by_existing_customer else "RE-5"
    on_turn = next_receiver(state)
    teller = f"{on_turn}, on turn," if on_turn and on_turn != named else "The front desk"
    notifications = [
        Notification(
            "tell_named_salesperson",
            f"A customer asks for {named}: {teller} must tell {named} at once; not "
            f"telling them is order-grabbing (抢单), {policy.suspension_days} day(s) out of the "
            "rotation.",
            "RE-5",
        )
    ]
    if _status_or_absent(state, named) not in _FREE_FOR_OWN_CUSTOMER:
        notifications.append(
            Notification(
                "customer_waiting",
                f"{named} is {_STATUS_WORDS[state.status_of(named)]}; the customer is "
                "waiting for them.",
                "RE-5",
            )
        )
    decision = ReceptionDecision(
        receiver_id=named,
        counted=True,
        new_registration=facts.first_visit,
        made_up_turn=False,
        reason=Reason(
            rule,
            f"The customer names {named}, who receives them (RE-5); it counts as one "
            "reception but is not a rotation turn, so the rotation order stays as it was.",
        ),
        notifications=tuple(notifications),
    )
    return decision, replace(state, reception_counts=_counted_for(state, named))


def _decide_walk_in(
    state: RotationState, facts: VisitFacts, policy: RealEstatePolicy
) -> tuple[ReceptionDecision, RotationState]:
    kind = facts.visitor_kind
    if kind in _PASSERS_BY:
        receiver = _first_available(state)
        reason = Reason(
            "RE-10",
            f"Asking directions or looking for someone is not a reception: {receiver} helps; "
            "not counted and the rotation does not move.",
        )
        return _not_counted(state, receiver, reason, "the visitor")
    if kind in (VisitorKind.MARKET_SURVEYOR, VisitorKind.RELATED_PARTY):
        rule = "RE-8" if kind is VisitorKind.MARKET_SURVEYOR else "RE-9"
        receiver = _last_available(state)
        company = (
            facts.related_party.value.replace("_", " ")
            if facts.related_party
            else "developer, own company, ad agency, decoration or etiquette company"
        )
        who = (
            "A declared market surveyor from a competitor (同行市调)"
            if rule == "RE-8"
            else f"A visitor from a related party ({company})"
        )
        reason = Reason(
            rule,
            f"{who} is received by {receiver}, last in the current order; not counted and the "
            "rotation does not move.",
        )
        return _not_counted(state, receiver, reason, "the visitor")
    if facts.original_staff_id:
        return _receive_own_customer(state, facts, facts.original_staff_id)
    if facts.named_staff_id:
        named = facts.named_staff_id
        if _status_or_absent(state, named) in _ON_SITE:
            return _receive_named(state, facts, named, policy)
        if facts.first_visit:
            return _receive_in_rotation(state, "RE-7")
        # A repeat visitor asking for an absent salesperson is that salesperson's
        # registered customer (篇5 8): assisted, not a new customer.
        return _receive_own_customer(state, facts, named)
    if facts.brought_by_existing_customer:
        return _receive_in_rotation(state, "RE-12")
    if facts.claims_prior_contact_absent and facts.first_visit:
        return _receive_in_rotation(state, "RE-7")
    return _receive_in_rotation(state, "RE-1" if facts.first_visit else "RE-15")


def _decide_phone(
    state: RotationState, facts: VisitFacts
) -> tuple[ReceptionDecision, RotationState]:
    statuses = dict(state.statuses)
    for preferred in (facts.original_staff_id, facts.named_staff_id):
        if preferred and statuses.get(preferred) in _FREE_FOR_OWN_CUSTOMER:
            reason = Reason(
                "RE-13",
                f"The caller asks for or belongs to {preferred}, who takes the call; a phone "
                "inquiry is registered but does not move the walk-in rotation.",
            )
            decision = ReceptionDecision(
                receiver_id=preferred,
                counted=False,
                new_registration=facts.original_staff_id is None
                and facts.visitor_kind is VisitorKind.CUSTOMER,
                made_up_turn=False,
                reason=reason,
            )
            return decision, state
    count = len(state.order)
    for step in range(count):
        index = (state.phone_next_index + step) % count
        staff = state.order[index]
        if statuses[staff] is SalespersonStatus.AVAILABLE:
            is_customer = facts.visitor_kind is VisitorKind.CUSTOMER
            decision = ReceptionDecision(
                receiver_id=staff,
                counted=False,
                new_registration=is_customer and facts.original_staff_id is None,
                made_up_turn=False,
                reason=Reason(
                    "RE-13",
                    f"{staff} answers the call in the phone turn (按顺序轮流接听电话); a phone "
                    "inquiry is registered but does not move the walk-in rotation.",
                ),
            )
            # Only customer calls use up a phone turn, as on the floor (RE-10).
            if is_customer:
                state = replace(state, phone_next_index=(index + 1) % count)
            return decision, state
    return _nobody(state, "the phone call"), state


def decide_reception(
    state: RotationState,
    facts: VisitFacts,
    now: datetime,
    *,
    policy: RealEstatePolicy = DEFAULT_POLICY,
) -> tuple[ReceptionDecision, RotationState]:
    """Who receives the visitor (RE-1..RE-12, RE-14, RE-15) and the rotation afterwards.

    Precedence: passers-by (RE-10); declared surveyors and related parties (RE-8, RE-9);
    the customer's own salesperson (RE-6, RE-11); a named salesperson on site (RE-5,
    RE-12), or rotation when that person is away on a first visit (RE-7); otherwise the
    rotation, make-up turns first (RE-1, RE-2, RE-15). Phone inquiries are answered in
    their own turn and never move the walk-in rotation (RE-13). Statuses are not changed:
    mark the receiver RECEIVING with :func:`set_status` if they will be busy.
    """
    _check_today(state, now, policy)
    if facts.channel is Channel.PHONE:
        decision, new_state = _decide_phone(state, facts)
    else:
        decision, new_state = _decide_walk_in(state, facts, policy)
    if decision.receiver_id and facts.units_requested >= policy.bulk_units_threshold:
        decision = replace(
            decision,
            notifications=(
                *decision.notifications,
                Notification(
                    "report_bulk_purchase",
                    f"The customer asks for {facts.units_requested} units at once: "
                    f"{decision.receiver_id} must report to the sales manager immediately "
                    "after the reception.",
                    "RE-14",
                ),
            ),
        )
    return decision, new_state


def discount_surveyor(
    state: RotationState,
    staff_id: str,
    now: datetime,
    *,
    policy: RealEstatePolicy = DEFAULT_POLICY,
) -> tuple[Reason, RotationState]:
    """Uncount a reception that turned out to be a market surveyor or unrelated visitor.

    RE-8 (third sentence, 篇5 6): only after the salesperson and the visitor together
    confirmed it with the sales manager — the caller checks that. The reception is no
    longer counted and the salesperson is owed a make-up turn (补接). Call once per visit.
    """
    _check_today(state, now, policy)
    if state.count_of(staff_id) == 0:
        raise RotationError(
            "NOTHING_TO_DISCOUNT",
            f"{staff_id} has no counted reception today to discount (RE-8).",
        )
    counts = tuple(
        (staff, count - 1 if staff == staff_id else count)
        for staff, count in state.reception_counts
    )
    reason = Reason(
        "RE-8",
        f"The visitor {staff_id} received was confirmed with the sales manager as a market "
        "surveyor or unrelated visitor: the reception is not counted and "
        f"{staff_id} is owed a make-up turn (补接).",
    )
    return reason, replace(
        state, reception_counts=counts, make_up_queue=(*state.make_up_queue, staff_id)
    )


def order_grabbing(
    grabber_id: str,
    named_id: str,
    business_date: date,
    policy: RealEstatePolicy = DEFAULT_POLICY,
) -> OrderGrabbingDecision:
    """Rule on an order-grab (抢单, RE-5) found on ``business_date``.

    The grabber did not tell the salesperson the customer named: they are out of the
    rotation for ``policy.suspension_days`` full business days starting the next day, and
    any deal goes to the named salesperson.
    """
    if grabber_id == named_id:
        raise RotationError(
            "NOT_ORDER_GRABBING", f"{grabber_id} cannot grab a customer who named them (RE-5)."
        )
    penalty = policy.penalty(ORDER_GRABBING_CODE)
    days = policy.suspension_days
    return OrderGrabbingDecision(
        grabber_id=grabber_id,
        named_staff_id=named_id,
        suspended_from=business_date + timedelta(days=1),
        suspended_until=business_date + timedelta(days=days),
        deal_credited_to=named_id,
        penalty=penalty,
        reason=Reason(
            "RE-5",
            f"{grabber_id} received a customer who named {named_id} without telling them "
            f"(抢单): suspended from the rotation (停牌) for {days} day(s) until "
            f"{business_date + timedelta(days=days)}; any deal goes to {named_id}.",
        ),
    )


def apply_suspension(state: RotationState, decision: OrderGrabbingDecision) -> RotationState:
    """Record an RE-5 suspension in the rotation.

    It is kept in ``state.suspensions`` for :func:`start_day` of the coming days; when
    ``state`` is itself a day of the suspension, the grabber leaves the rotation now and
    loses the make-up turns owed.
    """
    running = dict(state.suspensions)
    grabber = decision.grabber_id
    until = max(running.get(grabber, decision.suspended_until), decision.suspended_until)
    running[grabber] = until
    state = replace(state, suspensions=tuple(sorted(running.items())))
    if grabber in state.order and decision.suspended_from <= state.business_date <= until:
        state = replace(
            state,
            statuses=_with_status(state, grabber, SalespersonStatus.SUSPENDED),
            make_up_queue=_without_make_ups(state.make_up_queue, grabber),
        )
    return state


def lift_suspension(
    state: RotationState, staff_id: str, still_until: date | None = None
) -> tuple[Reason, RotationState]:
    """Revoking an RE-5 penalty entry lifts the suspension it caused (DOMAIN RE-5, *Decided*).

    ``still_until`` is the last day of any other order-grabbing suspension of the same
    salesperson that was not revoked (None if none): that one keeps running. When the
    suspension no longer covers ``state.business_date``, a suspended salesperson is back in
    the rotation, available, from now on (the turns passed meanwhile are not owed back).
    """
    running = dict(state.suspensions)
    if staff_id not in running:
        raise RotationError(
            "NOT_SUSPENDED", f"{staff_id} has no order-grabbing suspension to lift (RE-5)."
        )
    if still_until is not None and still_until >= state.business_date:
        running[staff_id] = still_until
    else:
        running.pop(staff_id)
    new_state = replace(state, suspensions=tuple(sorted(running.items())))
    back = (
        staff_id in state.order
        and state.status_of(staff_id) is SalespersonStatus.SUSPENDED
        and staff_id not in running
    )
    if back:
        new_state = replace(
            new_state,
            statuses=_with_status(new_state, staff_id, SalespersonStatus.AVAILABLE),
        )
    if staff_id in running:
        message = (
            f"The order-grabbing penalty of {staff_id} was revoked, but another ruling keeps "
            f"them suspended until {running[staff_id]} (RE-5)."
        )
    else:
        message = (
            f"The order-grabbing penalty of {staff_id} was revoked: the suspension (停牌) is "
            "lifted and they are back in the rotation."
        )
    return Reason("RE-5", message), new_state


def credit_for_deal(
    register: Sequence[RegisterEntry], customer_key: str, deal_at: datetime
) -> CreditDecision:
    """Who gets a deal with ``customer_key`` closed at ``deal_at`` (RE-13, RE-11, RE-5).

    The earliest register entry of that customer or group before the deal wins, phone
    entries included (RE-13 by name and time, revised 2026-12-01; RE-11 one company or
    family is one customer), as the register stands after its corrections: an entry later
    uncounted under RE-8 earns no credit. An entry made by a ruled order-grab credits the
    salesperson who was named (RE-5). Ties go to the entry listed first.
    """
    _require_aware(deal_at, "deal_at")
    entries = [
        entry
        for entry in register
        if entry.customer_key == customer_key
        and entry.registered_at <= deal_at
        and not entry.uncounted
    ]
    if not entries:
        return CreditDecision(
            staff_id=None,
            entry=None,
            reason=Reason(
                "RE-13",
                f"The register has no entry for customer {customer_key} before the deal; "
                "nobody can be credited until the register is corrected.",
            ),
        )
    first = min(entries, key=lambda entry: entry.registered_at)
    when = first.registered_at.isoformat()
    how = "by phone" if first.channel is Channel.PHONE else "at the office"
    if first.grabbed and first.named_staff_id:
        return CreditDecision(
            staff_id=first.named_staff_id,
            entry=first,
            reason=Reason(
                "RE-5",
                f"{first.staff_id} registered customer {customer_key} at {when} by grabbing a "
                f"customer who named {first.named_staff_id}; the deal goes to "
                f"{first.named_staff_id}.",
            ),
        )
    return CreditDecision(
        staff_id=first.staff_id,
        entry=first,
        reason=Reason(
            "RE-13",
            f"{first.staff_id} registered customer {customer_key} (the same company or family "
            f"counts as one, RE-11) first, {how} at {when}, in the register as corrected; the "
            "deal is credited to them.",
        ),
    )


def penalty_table(policy: RealEstatePolicy = DEFAULT_POLICY) -> tuple[PenaltyRuleSpec, ...]:
    """The real-estate penalty table: order-grabbing (RE-5).  Core adds C-14's entries."""
    return tuple(spec for spec in policy.penalties if spec.rule != "C-14")


def c14_bounds_overrides(policy: RealEstatePolicy) -> dict[str, tuple[Decimal, Decimal]]:
    """C-14: the fine bounds an operator stored for real-estate sites, by entry code."""
    return {
        spec.code: (spec.min_amount, spec.max_amount)
        for spec in policy.penalties
        if spec.rule == "C-14" and spec.min_amount is not None and spec.max_amount is not None
    }
