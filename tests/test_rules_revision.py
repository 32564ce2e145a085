"""Issue 11, rules revised 2026-12-01 (DOMAIN.md): the pure rules of C-1, C-8, C-11, C-13 and
C-14, each test stating the rule and asserting the decision and its sentence or code."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.auth import (
    ExportApproval,
    ExportUse,
    Permission,
    Role,
    export_decision,
    permissions_of,
)
from core.calendar import WorkingCalendar, calendar_for
from core.complaint_rules import (
    DEFAULT_TARGETS,
    ComplaintStatus,
    ComplaintTargets,
    IllegalTransition,
    ReasonRequired,
    ResolutionBasis,
    RuleError,
    compute_deadlines,
    is_overdue,
    overdue_reasons,
    progress_update,
    progress_update_due,
    special_case,
)
from core.errors import InvalidInput
from core.hosting import (
    DEFAULT_HOSTING_POLICY,
    HostingPolicy,
    ReceiverLevel,
    hosting_budget,
    receiver_level,
)
from core.models import CustomerClass
from core.penalties import (
    C14_COMPENSATION_CODE,
    C14_MANAGER_CODE,
    C14_STAFF_CODE,
    c14_charges,
)

S = ComplaintStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture(scope="module")
def cn() -> WorkingCalendar:
    return calendar_for("CN", "Asia/Shanghai")


# --- C-1 hosting budget and receiver level are policy data ------------------------------------


def test_C_1_defaults_are_the_domain_numbers_and_levels() -> None:
    policy = DEFAULT_HOSTING_POLICY
    assert dict(policy.budgets) == {
        CustomerClass.A: Decimal(500),
        CustomerClass.B: Decimal(300),
        CustomerClass.C: Decimal(200),
        CustomerClass.D: Decimal(150),
    }
    assert [policy.receivers[c] for c in CustomerClass] == [
        ReceiverLevel.SENIOR_MANAGEMENT,
        ReceiverLevel.DEPARTMENT_DIRECTOR,
        ReceiverLevel.DEPARTMENT_MANAGER,
        ReceiverLevel.SUPERVISOR,
    ]


def test_C_1_an_operator_changes_budgets_and_receiver_levels() -> None:
    policy = HostingPolicy.from_overrides({"b": "320", "C": "210.50"}, {"D": "department_manager"})
    budget, reason = hosting_budget(CustomerClass.B, guests=2, policy=policy)
    assert budget == Decimal(640)
    assert reason.rule == "C-1"
    assert reason.message == (
        "class B guests are hosted at 320 CNY per person and received by department director"
    )
    assert hosting_budget(CustomerClass.C, policy=policy)[0] == Decimal("210.50")
    assert hosting_budget(CustomerClass.A, policy=policy)[0] == Decimal(500)  # untouched
    level, why = receiver_level(CustomerClass.D, policy)
    assert level is ReceiverLevel.DEPARTMENT_MANAGER
    assert (why.rule, why.message) == (
        "C-1",
        "class D customers are received by department manager",
    )
    # The defaults are not changed by an operator's policy.
    assert receiver_level(CustomerClass.D)[0] is ReceiverLevel.SUPERVISOR


@pytest.mark.parametrize(
    ("budgets", "receivers", "match"),
    [
        ({"E": "100"}, None, "unknown customer class"),
        ({"B": "0"}, None, "above 0"),
        ({"B": "-5"}, None, "above 0"),
        ({"B": "12.345"}, None, "2 decimals"),
        ({"B": "lots"}, None, "not a number"),
        ({"B": 300.0}, None, "decimal string"),
        (None, {"A": "the board"}, "unknown receiver level"),
    ],
)
def test_C_1_a_bad_override_is_refused_naming_it(budgets, receivers, match) -> None:
    with pytest.raises(ValueError, match=match):
        HostingPolicy.from_overrides(budgets, receivers)


def test_C_1_a_budget_is_for_at_least_one_guest() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        hosting_budget(CustomerClass.D, guests=0)
    assert hosting_budget(CustomerClass.D, guests=1)[0] == Decimal(150)


# --- C-8 progress updates at a policy interval, each recorded, overdue when late ---------------


def test_C_8_progress_is_due_an_interval_after_the_first_response_or_the_last_update() -> None:
    day = timedelta(hours=24)
    answered = sh(2026, 3, 2, 11)
    assert progress_update_due(S.ACKNOWLEDGED, answered, None, day) == sh(2026, 3, 3, 11)
    # The last update counts from when it was given.
    assert progress_update_due(S.IN_PROGRESS, answered, sh(2026, 3, 3, 9), day) == sh(2026, 3, 4, 9)
    # An update older than the (new cycle's) first response does not count.
    assert progress_update_due("in_progress", answered, sh(2026, 3, 1, 9), day) == sh(
        2026, 3, 3, 11
    )
    assert progress_update_due(S.WAITING_ON_CUSTOMER, answered, None, 2 * HOUR) == sh(
        2026, 3, 2, 13
    )


@pytest.mark.parametrize("status", [S.RECEIVED, S.REOPENED, S.RESOLVED, S.REVISITED, S.CLOSED])
def test_C_8_no_progress_update_is_owed_before_the_first_response_or_once_resolved(
    status: ComplaintStatus,
) -> None:
    assert progress_update_due(status, sh(2026, 3, 2, 11), None, HOUR) is None


def test_C_8_no_progress_is_owed_without_a_first_response_and_the_interval_is_positive() -> None:
    assert progress_update_due(S.IN_PROGRESS, None, None, HOUR) is None
    with pytest.raises(ValueError, match="positive"):
        progress_update_due(S.IN_PROGRESS, sh(2026, 3, 2, 11), None, timedelta(0))
    with pytest.raises(ValueError, match="positive"):
        ComplaintTargets(progress_interval=timedelta(0))
    assert DEFAULT_TARGETS.progress_interval == timedelta(hours=24)


def test_C_8_a_late_progress_update_is_overdue_with_its_own_sentence(cn: WorkingCalendar) -> None:
    filed = sh(2026, 3, 2, 10)
    base = compute_deadlines(filed, DEFAULT_TARGETS, cn)
    due = progress_update_due(S.IN_PROGRESS, sh(2026, 3, 2, 11), None, timedelta(hours=24))
    deadlines = base.__class__(**{**_fields(base), "progress_update_due": due})
    assert is_overdue(deadlines, S.IN_PROGRESS, sh(2026, 3, 3, 11)) is None  # at the instant
    late = is_overdue(deadlines, S.IN_PROGRESS, sh(2026, 3, 3, 11) + SECOND)
    assert late is not None and late.rule == "C-8"
    assert late.message == (
        "no progress update within 24 hours of the last contact: it was due "
        "2026-03-03T11:00:00+08:00"
    )
    # Resolved: the resolution was the last update; no progress is owed any more.
    assert all(
        not r.message.startswith("no progress")
        for r in overdue_reasons(deadlines, S.RESOLVED, sh(2026, 3, 4))
    )


def _fields(deadlines):
    return {name: getattr(deadlines, name) for name in deadlines.__slots__}


def test_C_8_each_update_is_recorded_with_what_the_customer_was_told() -> None:
    reason = progress_update(S.IN_PROGRESS, actor="Li", note=" parts ordered ", now=sh(2026, 3, 2))
    assert reason.rule == "C-8"
    assert reason.message == "Li updated the customer on the progress: parts ordered"
    for status in (S.ACKNOWLEDGED, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.REVISITED):
        assert progress_update(status, actor="Li", note="x", now=sh(2026, 3, 2)).rule == "C-8"


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (S.RECEIVED, "acknowledge it first"),
        (S.REOPENED, "acknowledge it first"),
        (S.CLOSED, "it is closed"),
    ],
)
def test_C_8_no_progress_update_before_the_first_response_or_after_closing(status, hint) -> None:
    with pytest.raises(IllegalTransition) as refused:
        progress_update(status, actor="Li", note="x", now=sh(2026, 3, 2))
    assert refused.value.code == "NO_PROGRESS_UPDATE" and hint in refused.value.message


def test_C_8_a_progress_update_says_what_was_told_and_who_told_it() -> None:
    with pytest.raises(ReasonRequired):
        progress_update(S.IN_PROGRESS, actor="Li", note="  ", now=sh(2026, 3, 2))
    with pytest.raises(ValueError, match="actor"):
        progress_update(S.IN_PROGRESS, actor=" ", note="x", now=sh(2026, 3, 2))
    with pytest.raises(ValueError, match="timezone-aware"):
        progress_update(S.IN_PROGRESS, actor="Li", note="x", now=datetime(2026, 3, 2))


# --- C-11 the deadline that applies --------------------------------------------------------


def test_C_11_during_consumption_the_customers_time_applies(cn: WorkingCalendar) -> None:
    filed = sh(2026, 3, 2, 19)
    deadlines = compute_deadlines(
        filed, DEFAULT_TARGETS, cn, customer_requested_by=sh(2026, 3, 2, 21)
    )
    assert deadlines.basis is ResolutionBasis.CUSTOMER_REQUEST
    assert deadlines.resolution_due == sh(2026, 3, 2, 21)
    assert is_overdue(deadlines, S.IN_PROGRESS, sh(2026, 3, 2, 21)) is None
    late = is_overdue(deadlines, S.IN_PROGRESS, sh(2026, 3, 2, 21) + SECOND)
    assert late is not None and late.rule == "C-11"
    assert late.message == (
        "not resolved within the time the customer asked for (complaint made during "
        "consumption) (general complaint): it was due 2026-03-02T21:00:00+08:00"
    )


def test_C_11_the_customers_time_is_not_moved_by_pauses(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(
        sh(2026, 3, 2, 19),
        DEFAULT_TARGETS,
        cn,
        [(sh(2026, 3, 2, 19, 30), None)],
        customer_requested_by=sh(2026, 3, 2, 21),
    )
    assert deadlines.resolution_due == sh(2026, 3, 2, 21)


def test_C_11_the_customers_time_is_after_filing(cn: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="after filed_at"):
        compute_deadlines(
            sh(2026, 3, 2, 19), DEFAULT_TARGETS, cn, customer_requested_by=sh(2026, 3, 2, 19)
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_deadlines(
            sh(2026, 3, 2, 19), DEFAULT_TARGETS, cn, customer_requested_by=datetime(2026, 3, 3)
        )


def test_C_11_after_consumption_3_working_days_extended_by_pauses(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(
        sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, [(sh(2026, 3, 3, 10), sh(2026, 3, 3, 16))]
    )
    assert deadlines.basis is ResolutionBasis.WORKING_DAYS
    assert deadlines.resolution_due == sh(2026, 3, 6, 6)
    late = is_overdue(deadlines, S.IN_PROGRESS, sh(2026, 3, 6, 6) + SECOND)
    assert late is not None and late.message.startswith("not resolved within 3 working days")


def test_C_11_a_special_case_is_a_hard_cap_no_pause_extends(cn: WorkingCalendar) -> None:
    pauses = [(sh(2026, 3, 3, 10), sh(2026, 3, 5, 10)), (sh(2026, 3, 9, 9), None)]
    deadlines = compute_deadlines(
        sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, pauses, special_case=True
    )
    assert deadlines.basis is ResolutionBasis.SPECIAL_CASE
    # 7 working days after Mon 03-02: end of Wed 03-11, whatever the pauses.
    assert deadlines.resolution_due == deadlines.special_case_due == sh(2026, 3, 12, 0)
    assert not deadlines.clock_paused  # an open pause does not hold a hard cap
    late = is_overdue(deadlines, S.WAITING_ON_CUSTOMER, sh(2026, 3, 12, 0) + SECOND)
    assert late is not None and late.rule == "C-11"
    assert late.message == (
        "not resolved within the special-case limit of 7 working days (a hard cap no pause "
        "extends) (general complaint): it was due 2026-03-12T00:00:00+08:00"
    )
    # Unmarked, the same pauses extend (and the open one holds) the working-day deadline.
    unmarked = compute_deadlines(sh(2026, 3, 2, 10), DEFAULT_TARGETS, cn, pauses)
    assert unmarked.resolution_due is None and unmarked.special_case_due == sh(2026, 3, 12, 0)


def test_C_11_a_special_case_overrides_the_customers_time(cn: WorkingCalendar) -> None:
    deadlines = compute_deadlines(
        sh(2026, 3, 2, 19),
        DEFAULT_TARGETS,
        cn,
        customer_requested_by=sh(2026, 3, 2, 21),
        special_case=True,
    )
    assert deadlines.basis is ResolutionBasis.SPECIAL_CASE
    assert deadlines.resolution_due == sh(2026, 3, 12, 0)


def test_C_11_marking_a_special_case_needs_a_reason_and_an_unresolved_complaint() -> None:
    reason = special_case(
        S.IN_PROGRESS, actor="Wang", reason="needs the developer", already=False, now=sh(2026, 3, 2)
    )
    assert reason.rule == "C-11"
    assert reason.message == (
        "Wang marked the complaint a special case (hard limit applies): needs the developer"
    )
    for status in (S.RECEIVED, S.ACKNOWLEDGED, S.WAITING_ON_CUSTOMER, S.REOPENED):
        assert special_case(status, actor="W", reason="r", already=False, now=sh(2026, 3, 2))
    with pytest.raises(ReasonRequired):
        special_case(S.IN_PROGRESS, actor="Wang", reason=" ", already=False, now=sh(2026, 3, 2))
    for status in (S.RESOLVED, S.REVISITED, S.CLOSED):
        with pytest.raises(RuleError) as refused:
            special_case(status, actor="W", reason="r", already=False, now=sh(2026, 3, 2))
        assert refused.value.code == "SPECIAL_CASE_REFUSED"
    with pytest.raises(RuleError, match="already marked") as again:
        special_case(S.IN_PROGRESS, actor="W", reason="r", already=True, now=sh(2026, 3, 2))
    assert again.value.code == "SPECIAL_CASE_REFUSED"


# --- C-13 roles, private data and exports ---------------------------------------------------


def test_C_13_bulk_import_and_export_are_administrator_only() -> None:
    for role in Role:
        granted = permissions_of(role)
        bulk = {Permission.IMPORT, Permission.EXPORT} <= granted
        assert bulk is (role is Role.ADMIN), role
        assert not ({Permission.IMPORT, Permission.EXPORT} & granted) or role is Role.ADMIN
    # The information clerk has everything else (seed 003 制度2 5.2.3.2).
    assert permissions_of(Role.CLERK) >= {Permission.MANAGE, Permission.PRIVATE}


def test_C_13_staff_see_private_data_only_when_a_setting_grants_it() -> None:
    assert Permission.PRIVATE not in permissions_of(Role.STAFF)
    assert permissions_of(Role.STAFF) == {Permission.READ, Permission.CREATE, Permission.SUBSCRIBE}
    assert Permission.PRIVATE in permissions_of(Role.STAFF, staff_sees_private_data=True)
    # The setting grants nothing to other roles.
    for role in (Role.FRONTEND, Role.INTEGRATOR):
        assert Permission.PRIVATE not in permissions_of(role, staff_sees_private_data=True)


def _approval(**kw) -> ExportApproval:
    values = {
        "approver_role": "general_manager",
        "approver_name": "Boss",
        "approved_at": sh(2026, 3, 2, 9),
        "purpose": "mailing by the bank",
    }
    return ExportApproval(**{**values, **kw})


def test_C_13_an_internal_export_needs_no_approval() -> None:
    assert export_decision(ExportUse.INTERNAL, None, sh(2026, 3, 2, 10)) == (
        "C-13",
        "internal export of customer data by an administrator (no approval needed)",
    )


def test_C_13_an_external_export_needs_a_recorded_gm_approval() -> None:
    with pytest.raises(InvalidInput) as refused:
        export_decision("external", None, sh(2026, 3, 2, 10))
    assert refused.value.code == "EXPORT_NEEDS_GM_APPROVAL"
    rule, message = export_decision(ExportUse.EXTERNAL, _approval(), sh(2026, 3, 2, 10))
    assert rule == "C-13"
    assert message == (
        "external export of customer data approved by Boss (general manager) at "
        "2026-03-02T09:00:00+08:00 for: mailing by the bank"
    )
    # At the approval's own instant it is valid.
    assert export_decision("external", _approval(), sh(2026, 3, 2, 9))[0] == "C-13"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"approver_role": "salesperson"}, "EXPORT_NEEDS_GM_APPROVAL"),
        ({"purpose": "  "}, "PURPOSE_REQUIRED"),
        ({"approved_at": sh(2026, 3, 2, 11)}, "APPROVAL_IN_FUTURE"),
    ],
)
def test_C_13_an_approval_is_by_the_gm_with_a_purpose_before_the_export(change, code) -> None:
    with pytest.raises(InvalidInput) as refused:
        export_decision(ExportUse.EXTERNAL, _approval(**change), sh(2026, 3, 2, 10))
    assert refused.value.code == code


def test_C_13_an_unknown_export_use_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        export_decision("sideways", None, sh(2026, 3, 2, 10))
    assert refused.value.code == "INVALID_EXPORT_USE"


# --- C-14 compensation alongside the fines ---------------------------------------------------


def test_C_14_the_loss_is_charged_to_the_person_alongside_the_fines() -> None:
    charges = c14_charges(
        complaint_number="261107",
        staff_name="Li",
        why="rude to the buyer",
        fine=Decimal(300),
        manager_name="Wang",
        manager_fine=Decimal(100),
        loss=Decimal("1250.50"),
        loss_reason=" refund of the parking fee ",
    )
    assert [(c.code, c.charged, c.amount) for c in charges] == [
        (C14_STAFF_CODE, "staff", Decimal(300)),
        (C14_MANAGER_CODE, "manager", Decimal(100)),
        (C14_COMPENSATION_CODE, "staff", Decimal("1250.50")),
    ]
    assert all(c.reason.rule == "C-14" for c in charges)
    assert charges[2].reason.message == (
        "financial loss of complaint 261107 charged to Li as compensation: refund of the "
        "parking fee"
    )
    assert (
        charges[0].reason.message
        == "complaint 261107 was caused by Li's service: rude to the buyer"
    )


def test_C_14_without_a_loss_or_a_manager_only_the_fine() -> None:
    charges = c14_charges(complaint_number="261107", staff_name="Li", why="rude", fine=None)
    assert [c.code for c in charges] == [C14_STAFF_CODE]


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"why": " "}, "REASON_REQUIRED"),
        ({"manager_name": "Wang"}, "MANAGER_FINE_INCOMPLETE"),
        ({"manager_fine": Decimal(100)}, "MANAGER_FINE_INCOMPLETE"),
        ({"loss": Decimal(10)}, "COMPENSATION_INCOMPLETE"),
        ({"loss_reason": "a broken vase"}, "COMPENSATION_INCOMPLETE"),
        ({"loss": Decimal(0), "loss_reason": "nothing"}, "INVALID_COMPENSATION"),
        ({"loss": Decimal(-1), "loss_reason": "negative"}, "INVALID_COMPENSATION"),
    ],
)
def test_C_14_what_must_be_given_together(kw, code) -> None:
    args = {"complaint_number": "261107", "staff_name": "Li", "why": "rude", "fine": Decimal(300)}
    with pytest.raises(InvalidInput) as refused:
        c14_charges(**{**args, **kw})
    assert refused.value.code == code
