// Flow 2: walk-in check-in. The customer is found by phone or registered, the visit checked in;
// a refused check-in (EMPTY_ROTATION, NO_RECEIVER_AVAILABLE …) is typed data, not an exception.
import { execute, formErrors, type ClientOptions } from "./client";
import {
  CustomerByPhoneDocument,
  RegisterWalkInDocument,
  WalkInCheckInDocument,
  type DirectoryErrorCode,
  type VisitErrorCode,
} from "./generated/graphql";

export type CheckInOutcome =
  | {
      readonly kind: "received";
      readonly visitId: string;
      readonly receiver: string | null;
      /** The rule that chose the receiver (e.g. RE-1) and its sentence. */
      readonly rule: string | null;
      readonly reason: string | null;
      readonly skipped: readonly string[];
      readonly notify: readonly string[];
    }
  | {
      readonly kind: "refused";
      readonly code: VisitErrorCode | DirectoryErrorCode;
      readonly message: string;
      readonly rule: string | null;
      readonly fields: Map<string, string[]>;
      readonly hint: string;
    };

export interface WalkIn {
  readonly siteId: string;
  readonly name: string;
  readonly phone: string;
  readonly unitsRequested: number;
  readonly namedStaffId?: string;
}

export async function checkInWalkIn(options: ClientOptions, walkIn: WalkIn): Promise<CheckInOutcome> {
  const found = await execute(options, CustomerByPhoneDocument, { siteId: walkIn.siteId, phone: walkIn.phone });
  let customerId = found.customers.nodes[0]?.id;
  if (customerId === undefined) {
    const { registerCustomer } = await execute(options, RegisterWalkInDocument, {
      input: { siteId: walkIn.siteId, name: walkIn.name, phone: walkIn.phone },
    });
    const [error] = registerCustomer.userErrors;
    if (error !== undefined || registerCustomer.customer === null) {
      const code = error?.code ?? "INVALID_INPUT";
      return {
        kind: "refused",
        code,
        message: error?.message ?? "not registered",
        rule: error?.rule ?? null,
        fields: formErrors(registerCustomer.userErrors),
        hint: code === "INVALID_PHONE" ? "Check the phone number." : "Correct the form.",
      };
    }
    customerId = registerCustomer.customer.id;
  }
  const { checkInVisit: payload } = await execute(options, WalkInCheckInDocument, {
    input: {
      siteId: walkIn.siteId,
      customerId,
      channel: "WALK_IN",
      namedStaffId: walkIn.namedStaffId ?? null,
      realestate: { unitsRequested: walkIn.unitsRequested },
    },
  });
  const [refused] = payload.userErrors;
  if (refused !== undefined) {
    return {
      kind: "refused",
      code: refused.code,
      message: refused.message,
      rule: refused.rule,
      fields: formErrors(payload.userErrors),
      hint: hint(refused.code),
    };
  }
  if (payload.visit === null) throw new Error("checkInVisit answered neither a visit nor userErrors");
  return {
    kind: "received",
    visitId: payload.visit.id,
    receiver: payload.visit.receiver?.name ?? null,
    rule: payload.decision?.rule ?? null,
    reason: payload.decision?.message ?? null,
    skipped: (payload.visit.realestate?.skipped ?? []).map((s) => `${s.staff?.name ?? "?"}: ${s.decision.rule}`),
    notify: (payload.notifications ?? []).map((n) => `${n.rule} ${n.message}`),
  };
}

/** What the receptionist does next, per refusal code (only codes the schema publishes compile). */
export function hint(code: VisitErrorCode): string {
  switch (code) {
    case "EMPTY_ROTATION":
      return "Nobody is on today's rotation: ask the sales manager to set the order.";
    case "NO_RECEIVER_AVAILABLE":
      return "Everyone is away or receiving: ask the customer to wait.";
    case "LINE_DISABLED":
    case "BUSINESS_LINE_DISABLED":
      return "Reception is switched off for this site.";
    case "CUSTOMER_NOT_FOUND":
    case "SITE_NOT_FOUND":
    case "INVALID_ID":
      return "Reload: the record is gone.";
    case "ARRIVAL_IN_FUTURE":
    case "NAIVE_DATETIME":
      return "Check the arrival time.";
    default:
      return "Correct the form and try again.";
  }
}

/** A refusal a later retry can fix without changing the form. */
export function isRetryable(outcome: CheckInOutcome): boolean {
  return outcome.kind === "refused" && (outcome.code === "NO_RECEIVER_AVAILABLE" || outcome.code === "CONFLICT");
}
