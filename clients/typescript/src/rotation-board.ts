// Flow 1: the rotation board (RE-1 … RE-15).
import { assertNever, execute, formErrors, type ClientOptions } from "./client";
import {
  MarkSalespersonDocument,
  RotationBoardDocument,
  type BoardMemberFragment,
  type RealestateErrorCode,
  type SalespersonStatus,
} from "./generated/graphql";

/** Every status the schema publishes has a label: a status added or renamed fails to compile. */
export const STATUS_LABEL: Record<SalespersonStatus, string> = {
  AVAILABLE: "Available",
  RECEIVING: "Receiving a customer",
  AFTER_SALE: "After-sale service",
  SERVING_OLD_CUSTOMER: "Serving an old customer",
  BUSINESS_CALL: "On a business call",
  COMPANY_BUSINESS: "Out on company business",
  PRIVATE_AWAY: "Away (private)",
  ON_LEAVE: "On leave",
  SUSPENDED: "Suspended",
};

export interface BoardRow {
  readonly staffId: string;
  readonly name: string;
  readonly status: string;
  readonly receptions: number;
  readonly isNext: boolean;
  readonly owedMakeUp: boolean;
  /** ISO date, only while suspended (RE-5). */
  readonly suspendedUntil: string | null;
}

export interface Board {
  readonly businessDate: string;
  readonly next: string | null;
  readonly queue: readonly string[];
  readonly rows: readonly BoardRow[];
}

function rows(
  members: readonly BoardMemberFragment[],
  next: BoardMemberFragment | null,
  makeUp: readonly BoardMemberFragment[],
): BoardRow[] {
  const owed = new Set(makeUp.map((m) => m.staffId));
  return members.map((m) => ({
    staffId: m.staff?.id ?? m.staffId,
    name: m.name,
    status: STATUS_LABEL[m.status],
    receptions: m.receptions,
    isNext: next !== null && next.staffId === m.staffId,
    owedMakeUp: owed.has(m.staffId),
    suspendedUntil: m.status === "SUSPENDED" ? m.suspendedUntil : null,
  }));
}

/** The board of a site today (or of `businessDate`); null when the site has no rotation. */
export async function loadBoard(
  options: ClientOptions,
  siteId: string,
  businessDate?: string,
): Promise<Board | null> {
  const { rotation } = await execute(options, RotationBoardDocument, {
    siteId,
    businessDate: businessDate ?? null,
  });
  if (rotation === null) return null;
  return {
    businessDate: rotation.businessDate,
    next: rotation.nextMember?.name ?? null,
    queue: rotation.upcomingMembers.map((m) => m.name),
    rows: rows(rotation.members, rotation.nextMember, rotation.makeUpQueueMembers),
  };
}

export type MarkResult =
  | { readonly ok: true; readonly next: string | null; readonly rows: readonly BoardRow[] }
  | { readonly ok: false; readonly code: RealestateErrorCode; readonly message: string; readonly fields: Map<string, string[]> };

/** Mark a salesperson away or back (RE-2, RE-3); a refusal comes back as typed userErrors. */
export async function markSalesperson(
  options: ClientOptions,
  siteId: string,
  staffId: string,
  status: SalespersonStatus,
  reason?: string,
): Promise<MarkResult> {
  const { markSalesperson: payload } = await execute(options, MarkSalespersonDocument, {
    input: { siteId, staffId, status, reason: reason ?? null },
  });
  const [first] = payload.userErrors;
  if (first !== undefined) {
    return { ok: false, code: first.code, message: refusal(first.code, first.message), fields: formErrors(payload.userErrors) };
  }
  if (payload.rotation === null) throw new Error("markSalesperson answered neither a rotation nor userErrors");
  return { ok: true, next: payload.rotation.nextMember?.name ?? null, rows: rows(payload.rotation.members, payload.rotation.nextMember, []) };
}

function refusal(code: RealestateErrorCode, message: string): string {
  switch (code) {
    case "NOT_IN_ROTATION":
    case "NOT_A_SALESPERSON":
      return `Not on today's rotation: ${message}`;
    case "STAFF_SUSPENDED":
    case "SUSPENSION_NEEDS_RULING":
      return `Suspended (RE-5): ${message}`;
    case "REASON_REQUIRED":
      return "Say why they are away.";
    default:
      return message;
  }
}

/** The colour of a board row's status chip: every status is handled (assertNever). */
export function statusTone(status: SalespersonStatus): "ready" | "busy" | "away" | "out" {
  switch (status) {
    case "AVAILABLE":
      return "ready";
    case "RECEIVING":
    case "AFTER_SALE":
    case "SERVING_OLD_CUSTOMER":
      return "busy";
    case "BUSINESS_CALL":
    case "COMPANY_BUSINESS":
    case "PRIVATE_AWAY":
      return "away";
    case "ON_LEAVE":
    case "SUSPENDED":
      return "out";
    default:
      return assertNever(status);
  }
}
