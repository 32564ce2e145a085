"""Errors a user can cause, each with a stable code.

The GraphQL layer puts ``code`` into the error's ``extensions`` so clients can branch on it;
``message`` says what to fix.  A mutation that raises one of these writes nothing: services
raise before commit and the session rolls back.
"""

from __future__ import annotations

from typing import Any


class FrontdeskError(Exception):
    """Base of every error with a stable, documented code."""

    code: str = "FRONTDESK_ERROR"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFound(FrontdeskError):
    code = "NOT_FOUND"


class InvalidInput(FrontdeskError):
    code = "INVALID_INPUT"


class Conflict(FrontdeskError):
    code = "CONFLICT"


class PermissionDenied(FrontdeskError):
    code = "FORBIDDEN"


class PluginError(FrontdeskError):
    code = "PLUGIN_ERROR"


class ServiceUnavailable(FrontdeskError):
    """The database cannot be reached right now: retry (the answer carries ``Retry-After``)."""

    code = "SERVICE_UNAVAILABLE"


# Seconds a client should wait before retrying a SERVICE_UNAVAILABLE answer.
RETRY_AFTER_SECONDS = 2
UNAVAILABLE_MESSAGE = (
    "the database is unavailable right now; nothing was written -- retry in a few seconds "
    "(with the same Idempotency-Key, a retried mutation is never applied twice)"
)


class LineDisabled(FrontdeskError):
    """A field or mutation of an installed business line that an operator switched off
    (issue 17: the schema keeps the line's fields; they answer this code instead)."""

    code = "LINE_DISABLED"


# ---------------------------------------------------------------------------------------------
# The published error codes (issue 17, schema 1.0).
#
# A client's mistake in a mutation is answered as data: ``userErrors`` of the mutation's
# payload, each with a ``code`` of the mutation's domain enum (``<Domain>ErrorCode`` in the
# schema; every enum holds :data:`COMMON_CODES` too).  The enums are built from the tables
# below, the README's list is generated from them (``frontdesk docs`` → docs/errors.md), and
# tests/test_error_codes.py fails when a ``code="…"`` raised in core or a built-in line is in
# none of them.  Business lines add their own codes through the plugin contract
# (``frontdesk_error_codes`` returning ``core.plugin_api.LineErrorCode``).
#
# What is *not* a user's mistake stays a top-level GraphQL error with ``extensions.code``:
# :data:`TOP_LEVEL_CODES` (authentication, permissions, limits, outages, internal errors).

COMMON_CODES: dict[str, str] = {
    "INVALID_INPUT": "A value of the input is not acceptable; the message says which and why.",
    "INVALID_ID": "An id is not a valid id (not a number or global id, zero, negative, too big).",
    "NOT_FOUND": "A record the input names does not exist.",
    "CONFLICT": "The request conflicts with the current state; nothing was written.",
    "RULE_VIOLATION": "A business rule refused the request (`rule` names it).",
    "LINE_DISABLED": "The business line owning this mutation or input field is switched off.",
    "BUSINESS_LINE_DISABLED": "The site's business line is switched off.",
    "WRONG_BUSINESS_LINE": "The site belongs to another business line than this mutation's.",
    "LINE_INPUT_MISMATCH": "A line's input field was given for a site of another line.",
    "SITE_NOT_FOUND": "No site with this id.",
    "STAFF_NOT_FOUND": "No staff member with this id (at this site).",
    "STAFF_NOT_ACTIVE": "The staff member is not active (left, suspended).",
    "CUSTOMER_NOT_FOUND": "No customer with this id (at this site).",
    "VISIT_NOT_FOUND": "No visit with this id.",
    "ACTOR_REQUIRED": "Say who acts (actingStaffId) or use a token bound to a staff member (C-9).",
    "REQUIRED": "A required value is missing or blank.",
    "VALUE_REQUIRED": "A required value is missing or blank.",
    "NAME_REQUIRED": "A name is required.",
    "REASON_REQUIRED": "This change needs a reason.",
    "TOO_LONG": "A text is longer than its field allows.",
    "NAME_TOO_LONG": "A name is longer than its field allows.",
    "VALUE_TOO_LONG": "A value is longer than its field allows.",
    "CONTROL_CHARACTERS": "A text contains control characters (NUL, escape; line breaks in names).",
    "REFERENCE_NOT_FOUND": "A record this change refers to does not exist.",
    "NAIVE_DATETIME": "A date-time has no UTC offset.",
    "INVALID_PHONE": "A phone number that cannot be a valid number of the site's region.",
    "INVALID_AMOUNT": "An amount that is not a positive CNY amount with at most 2 decimals.",
    "UNKNOWN_ROLE": "A staff or token role that is not one of the known roles.",
    "INVALID_POLICY": "The line's settings give a policy that cannot be applied.",
}

# Penalties (also raised by every mutation that fines: C-14, RE-5, FC-16, FC-20).
PENALTY_CODES: dict[str, str] = {
    "PENALTY_RULE_NOT_FOUND": "The site's penalty table has no rule with this code.",
    "PENALTY_NOT_FOUND": "No penalty with this id.",
    "PENALTY_ALREADY_REVOKED": "The penalty was revoked already.",
    "CANNOT_REVOKE_REVOCATION": "A revocation entry cannot itself be revoked.",
    "PENALTY_AMOUNT_OUT_OF_RANGE": "The amount is outside the rule's bounds.",
    "PENALTY_AMOUNT_REQUIRED": "The rule's amount is a range: give the amount.",
    "PENALTY_AMOUNT_NOT_APPLICABLE": "The rule's amount is fixed: omit the amount.",
    "COMPLAINT_NOT_FOUND": "No complaint with this id.",
    "COMPENSATION_INCOMPLETE": "C-14: a compensation needs its amount and its reason.",
    "INVALID_COMPENSATION": "C-14: a compensation amount that is not a positive CNY amount.",
}

#: ``{domain: (description, codes)}``; the schema's enum is ``<Domain>ErrorCode``.
DOMAIN_CODES: dict[str, tuple[str, dict[str, str]]] = {
    "Directory": (
        "Sites, customers and staff (createSite, registerCustomer, addStaff).",
        {
            "SITE_EXISTS": "A site with this name exists already.",
            "UNKNOWN_BUSINESS_LINE": "No installed business line has this code.",
            "INVALID_TIMEZONE": "Not an IANA time zone name.",
            "INVALID_CALENDAR_REGION": "No public-holiday calendar for this region.",
            "CUSTOMER_EXISTS": "A customer with this phone number is registered at the site.",
            "GROUP_INCOMPLETE": "RE-11: a group needs both its kind and its name.",
            "STAFF_EXISTS": "A staff member with this name works at the site (CSV import).",
        },
    ),
    "Visit": (
        "The visitor register (checkInVisit, correctVisit).",
        {
            "ALREADY_CORRECTED": "C-4: this register entry was corrected already.",
            "ARRIVAL_IN_FUTURE": "The arrival time is in the future.",
            "INVALID_PARTY_SIZE": "The party size is below 1 or implausibly large.",
            "NO_RECEIVER_AVAILABLE": "No staff member can receive this visitor now (`rule`).",
            "RECEIVER_REQUIRED": "This line needs the receiving staff member named.",
            "APPOINTMENT_REQUIRED": "C-3: this visit needs an approved appointment; none named.",
            "APPOINTMENT_REFUSED": "C-3: not approved, too short notice or too small a party.",
            "APPOINTMENT_NOT_FOUND": "C-3: no appointment with this id at the site.",
            "APPOINTMENT_WRONG_STATUS": "C-3: the appointment was received or cancelled.",
        },
    ),
    "Penalty": ("Penalties (issuePenalty, revokePenalty).", {}),
    "Complaint": (
        "Complaints (fileComplaint, transitionComplaint, assignComplaint, escalateComplaint, "
        "verifyComplaintFault, sweepOverdueComplaints).",
        {
            "COMPLAINT_CLOSED": "The complaint is closed; reopen it first.",
            "ILLEGAL_TRANSITION": "C-9: the complaint cannot move from its state to that one.",
            "ALREADY_AT_TOP": "C-10: the complaint is at the general manager already.",
            "ALREADY_HANDLER": "This staff member handles the complaint already.",
            "INVALID_CHANNEL_DETAILS": "C-7: details that do not belong to this channel.",
            "MISSING_CHANNEL_DETAILS": "C-7: the channel's required details are missing.",
            "UNKNOWN_CHANNEL": "Not a complaint channel.",
            "UNKNOWN_STATUS": "Not a complaint status.",
            "INVALID_COMPLAINT_NUMBER": "C-6: not a complaint number of this format.",
            "INVALID_COMPLAINT_POLICY": "The line's complaint policy gave unusable deadlines.",
            "INVALID_FLAG": "A flag that is blank, too long, or one too many.",
            "INVALID_HOUSEHOLDS": "PM-4: households below 1.",
            "RECEIVED_IN_FUTURE": "C-7: received later than now.",
            "VISIT_CUSTOMER_MISMATCH": "The visit is another customer's.",
            "OUT_OF_ORDER": "The change is older than the complaint's last change.",
            "FAULT_ALREADY_VERIFIED": "C-14: a fault was verified on this complaint already.",
            "MANAGER_FINE_INCOMPLETE": "C-14: the manager and their fine go together.",
            "MANAGER_IS_STAFF_AT_FAULT": "C-14: the manager is the staff member at fault.",
            "DEPARTMENT_NOT_FOUND": "No department with this id at this site.",
            "NO_PROGRESS_UPDATE": "C-8: no progress update before the first response or once "
            "closed.",
            "REQUESTED_TIME_NOT_AFTER_FILING": "C-11: the time asked for is not after filing.",
            "SPECIAL_CASE_REFUSED": "C-11: resolved already, or a special case already.",
            "TRANSITION_REFUSED": "The site's business line refuses this move (`rule` names "
            "it, e.g. PM-6: a handling step is missing).",
        },
    ),
    "Workforce": (
        "Departments, shifts and swaps (C-12, C-15).",
        {
            "DEPARTMENT_EXISTS": "A department with this name exists at the site.",
            "DEPARTMENT_NOT_FOUND": "No department with this id at this site.",
            "DEPARTMENT_OF_ANOTHER_SITE": "The department belongs to another site.",
            "SHIFT_NOT_FOUND": "No shift with this id.",
            "SHIFT_NOT_HELD": "C-15: the shift is not the named staff member's.",
            "SHIFT_OUTSIDE_BUSINESS_DAY": "The shift does not fit the site's business day.",
            "SHIFT_OVERLAP": "The staff member has an overlapping shift.",
            "SWAP_NOT_FOUND": "No swap with this id.",
            "SWAP_WITH_ONESELF": "C-15: a swap needs two staff members.",
            "SWAP_WRONG_STATUS": "C-15: the swap is not in a state that allows this.",
            "NOT_THE_COUNTERPART": "C-15: only the named counterpart agrees to a swap.",
            "NOT_A_SWAP_APPROVER": "C-15: this staff member cannot approve swaps at the site.",
            "SWAP_LIMIT_REACHED": "C-15: the monthly swap limit is reached.",
            "SWAP_CONSECUTIVE": "C-15: consecutive swaps are not allowed.",
            "SWAP_SHIFTS_IN_A_ROW": "C-15: the swap would make two shifts in a row.",
            "SWAP_HOLIDAY_DUTY": "C-15: public-holiday duty cannot be swapped.",
            # Attendance, leave, exit passes, points and meetings (issue 12).
            "ALREADY_CLOCKED_OUT": "The shift was clocked out already.",
            "ALREADY_REVOKED": "The entry was revoked already.",
            "ALREADY_SIGNED": "KTV-2: the roll was signed already.",
            "ATTENDANCE_ALREADY_RECORDED": "The shift's attendance is recorded already.",
            "CANNOT_REVOKE_REVOCATION": "A revocation entry cannot itself be revoked.",
            "CLOCK_IN_AFTER_SHIFT": "Clocking in after the shift ended.",
            "CLOCK_OUT_BEFORE_IN": "Clocking out before clocking in.",
            "EXIT_PASS_ALREADY_DECIDED": "KTV-5: the exit pass was decided already.",
            "EXIT_PASS_NOT_FOUND": "No exit pass with this id.",
            "LEAVE_ALREADY_DECIDED": "The leave request was decided already.",
            "LEAVE_ALREADY_REQUESTED": "Leave was requested for this shift already.",
            "LEAVE_NOT_FOUND": "No leave request with this id.",
            "MEETING_NOT_FOUND": "No meeting with this id.",
            "MEETING_OUTSIDE_BUSINESS_DAY": "KTV-2: the meeting time is outside the business day.",
            "MEETING_TIME_REQUIRED": "KTV-2: the line has no meeting time: give `start`.",
            "NOT_CLOCKED_IN": "The shift was not clocked in.",
            "NOT_ON_THE_ROLL": "KTV-2: the staff member is not on the meeting's roll.",
            "NOT_THE_SUPERIOR": "Only the direct superior decides this.",
            "POINTS_ENTRY_NOT_FOUND": "No points entry with this id.",
            "POINTS_FIXED": "PM-9: the item's points are fixed: omit `points`.",
            "POINTS_NOT_KEPT": "PM-9: the site's line keeps no points table.",
            "POINTS_OUT_OF_BOUNDS": "PM-9: the points are outside the item's bounds.",
            "ROLL_ALREADY_CLOSED": "KTV-2: the roll is closed already.",
            "ROLL_CLOSED": "KTV-2: the roll is closed.",
            "ROLL_STILL_OPEN": "KTV-10: the roll is still open.",
            "SHIFT_OVER": "The shift is over.",
            "SUPERIOR_IS_SELF": "A staff member cannot be their own superior.",
            "UNKNOWN_ATTENDANCE": "Not a kind of attendance record.",
            "UNKNOWN_POINTS_ITEM": "PM-9: no item with this code in the points table.",
            "LEAVE_LAPSED": "The leave request's day started undecided: it lapsed (PM-9, KTV-4).",
        },
    ),
    "Appointment": (
        "Visit appointments and bookings (C-3).",
        {
            "APPOINTMENT_NOT_FOUND": "No appointment with this id.",
            "APPOINTMENT_REFUSED": "C-3: not approved, too short notice or too small a party.",
            "APPOINTMENT_WRONG_STATUS": "C-3: the appointment is not in a state that allows this.",
            "BOOKING_NOT_FOUND": "No booking with this id.",
            "BOOKING_WRONG_STATUS": "The booking is not held.",
            "CONTACT_REQUIRED": "C-3: the appointment needs a contact.",
            "GUEST_REQUIRED": "A booking needs a customer or a guest name.",
            "INVALID_HEAD_COUNT": "C-3: a head count below 1.",
            "NOT_AN_APPOINTMENT_APPROVER": "C-3: this staff member cannot approve this kind.",
            "RESOURCE_REQUIRED": "A booking needs its resource.",
            "RESOURCE_TAKEN": "The resource is booked already that business day.",
            "UNKNOWN_APPOINTMENT_KIND": "C-3: not a kind of appointment.",
            "APPOINTMENT_WAS_APPROVED": "C-3: the visit was approved; leading it is no fault.",
            "BOOKING_APPROVAL_NOT_NEEDED": "This kind of booking takes effect without approval.",
            "UNKNOWN_BOOKING_APPROVAL": "FC-3: not a way this kind of booking takes effect.",
            "NOT_A_BOOKING_APPROVER": "FC-3: this staff member cannot approve this kind.",
            "BOOKING_ALREADY_APPROVED": "FC-3: the booking took effect already.",
        },
    ),
    "Admin": (
        "API tokens and plugins (createApiToken, revokeApiToken, setPluginEnabled, "
        "configurePlugin).",
        {
            "TOKEN_NOT_FOUND": "No API token with this id.",
            "UNKNOWN_PLUGIN": "No installed plugin has this code.",
            "INVALID_SETTINGS": "The plugin refused these settings; nothing was stored.",
            "INVALID_IMPORT_SIZE": "C-13: an import of 1 to 1,000 customers at a time.",
        },
    ),
    "Webhook": (
        "Webhook endpoints and deliveries.",
        {
            "INVALID_WEBHOOK_URL": "Not an http(s) URL a webhook can be sent to.",
            "INVALID_EVENT_TYPES": "No event types, or an unknown one.",
            "WEAK_WEBHOOK_SECRET": "The signing secret is too short.",
            "WEBHOOK_ADDRESS_FORBIDDEN": "The URL resolves to an address webhooks may not reach.",
            "WEBHOOK_HOST_UNRESOLVABLE": "The URL's host does not resolve.",
            "WEBHOOK_ENDPOINT_NOT_FOUND": "No webhook endpoint with this id.",
            "WEBHOOK_DELIVERY_NOT_FOUND": "No webhook delivery with this id.",
        },
    ),
}

#: Domains whose mutations also raise another domain's codes.
DOMAIN_INCLUDES: dict[str, tuple[str, ...]] = {
    "Admin": ("Directory",),
    "Penalty": ("Penalty",),
    "Complaint": ("Penalty",),
    "Visit": ("Directory",),
    # Issue 12: a swap approval issues the line's fines; a C-3 fault is a penalty entry.
    "Workforce": ("Penalty",),
    "Appointment": ("Penalty",),
}

#: Codes that stay top-level GraphQL errors (``errors[].extensions.code``): not a mistake in
#: the input of one mutation, so never a ``userError``.
TOP_LEVEL_CODES: dict[str, str] = {
    "UNAUTHENTICATED": "No token, or a token that is unknown, expired or revoked.",
    "FORBIDDEN": "The token's role lacks the permission this field needs (C-13).",
    "LINE_DISABLED": "A query field of a business line that is switched off answers null.",
    "SERVICE_UNAVAILABLE": "The database cannot be reached; retry after `retryAfter` seconds.",
    "INTERNAL_ERROR": "An unexpected failure; it was logged.",
    "MULTIPLE_MUTATIONS": "More than one mutation field in one operation.",
    "TOO_MANY_IDS": "`nodes(ids:)` was given more ids than one request may fetch (100).",
    "IDEMPOTENCY_KEY_REUSED": "The Idempotency-Key was used for another operation.",
    "IDEMPOTENCY_KEY_IN_USE": "The first request with this Idempotency-Key is still running.",
    "INVALID_IDEMPOTENCY_KEY": "The Idempotency-Key header is empty or too long.",
    "GRAPHQL_PARSE_FAILED": "The document is not valid GraphQL syntax.",
    "GRAPHQL_VALIDATION_FAILED": "The document does not validate against the schema.",
    "BAD_USER_INPUT": "A variable does not fit its type (wrong scalar, unknown enum value).",
    "QUERY_TOO_DEEP": "The document is deeper than the depth limit.",
    "TOO_MANY_ALIASES": "The document has more aliases than allowed.",
    "TOO_MANY_TOKENS": "The document has more tokens than allowed.",
    "QUERY_TOO_LARGE": "The document is larger than allowed.",
    "RATE_LIMITED": "Too many requests; retry later.",
    "DOCUMENT_NOT_TRUSTED": "Trusted-documents mode: the document is not registered.",
    "INTROSPECTION_DISABLED": "Production mode: introspection is not available to this token.",
    "READ_ONLY_SESSION": "A write was attempted in a read-only session.",
    "INVALID_CURSOR": "A pagination cursor that this list did not hand out.",
    "INVALID_PAGE_SIZE": "A page size below 1 or above the maximum.",
    "EXPORT_NEEDS_GM_APPROVAL": "A customer export needs a general manager's approval.",
    "INVALID_EXPORT_USE": "C-13: an export's use is internal or external.",
    "APPROVAL_IN_FUTURE": "C-13: an export approval dated in the future.",
    "PURPOSE_REQUIRED": "C-13: an external export needs its purpose.",
    "NO_ATTRIBUTION_RULES": "saleAttribution: the site's line has no attribution rules.",
    "PLUGIN_ERROR": "A plugin failed; it was logged.",
    "PLUGIN_CONTRACT_VIOLATION": "A plugin answered a hook with a value core cannot use.",
    "APPEND_ONLY": "An append-only record was changed (a bug; it was logged).",
}


def domain_codes(domain: str) -> dict[str, str]:
    """Every code of ``domain``'s enum: the common ones, its own, those it includes."""
    out = dict(COMMON_CODES)
    for included in (*DOMAIN_INCLUDES.get(domain, ()), domain):
        if included == "Penalty":
            out.update(PENALTY_CODES)
        out.update(DOMAIN_CODES[included][1])
    return out


def user_error_codes() -> set[str]:
    """Every code core answers as a ``userError`` (in some domain's enum)."""
    out = set(COMMON_CODES) | set(PENALTY_CODES)
    for _description, codes in DOMAIN_CODES.values():
        out.update(codes)
    return out
