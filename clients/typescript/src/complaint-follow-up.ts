// Flow 4: complaint filing and follow-up (C-5 … C-14): file, refetch through `node` (narrowed
// on __typename), move along `allowedTransitions`, record progress; a customer's complaints.
import { assertNever, execute, formErrors, type ClientOptions } from "./client";
import {
  ComplaintNodeDocument,
  CustomerComplaintsDocument,
  FileComplaintDocument,
  RecordComplaintProgressDocument,
  TransitionComplaintDocument,
  type ComplaintCardFragment,
  type ComplaintErrorCode,
  type ComplaintNodeQuery,
  type ComplaintStatus,
  type FileComplaintInput,
} from "./generated/graphql";

/** C-9's lifecycle: every status has a label (a new status fails to compile until it has one). */
export const STATUS_LABEL: Record<ComplaintStatus, string> = {
  RECEIVED: "Received",
  ACKNOWLEDGED: "Acknowledged",
  IN_PROGRESS: "In progress",
  WAITING_ON_CUSTOMER: "Waiting on the customer (clock paused)",
  RESOLVED: "Resolved",
  REVISITED: "Revisited",
  CLOSED: "Closed",
  REOPENED: "Reopened",
};

export type Result<T> =
  | { readonly ok: true; readonly value: T; readonly rule: string | null }
  | { readonly ok: false; readonly code: ComplaintErrorCode; readonly message: string; readonly fields: Map<string, string[]> };

interface Payload {
  readonly complaint: ComplaintCardFragment | null;
  readonly decision: { readonly rule: string } | null;
  readonly userErrors: ReadonlyArray<{
    readonly field: ReadonlyArray<string> | null;
    readonly message: string;
    readonly code: ComplaintErrorCode;
    readonly rule: string | null;
  }>;
}

function result(payload: Payload): Result<ComplaintCardFragment> {
  const [first] = payload.userErrors;
  if (first !== undefined) {
    return { ok: false, code: first.code, message: explain(first.code, first.message), fields: formErrors(payload.userErrors) };
  }
  if (payload.complaint === null) throw new Error("answered neither a complaint nor userErrors");
  return { ok: true, value: payload.complaint, rule: payload.decision?.rule ?? null };
}

export async function fileComplaint(options: ClientOptions, input: FileComplaintInput): Promise<Result<ComplaintCardFragment>> {
  const { fileComplaint: payload } = await execute(options, FileComplaintDocument, { input });
  return result(payload);
}

export type ComplaintWithHistory = Extract<NonNullable<ComplaintNodeQuery["node"]>, { __typename: "Complaint" }>;

/** Refetch by global id: null when the id names nothing, or an object of another type. */
export async function refetchComplaint(options: ClientOptions, id: string): Promise<ComplaintWithHistory | null> {
  const { node } = await execute(options, ComplaintNodeDocument, { id });
  if (node === null) return null;
  switch (node.__typename) {
    case "Complaint":
      return node; // narrowed: only this branch has the card's fields and the history
    case "Customer":
    case "Visit":
      return null; // a valid id of another type: the caller linked the wrong object
    default:
      return null;
  }
}

/** The buttons of the complaint card: only the legal next states (C-9). */
export function nextActions(complaint: ComplaintCardFragment): Array<{ to: ComplaintStatus; label: string }> {
  return complaint.allowedTransitions.map((to) => ({ to, label: STATUS_LABEL[to] }));
}

export async function transition(
  options: ClientOptions,
  complaint: ComplaintCardFragment,
  to: ComplaintStatus,
  actingStaffId: string,
  reason?: string,
): Promise<Result<ComplaintCardFragment>> {
  const { transitionComplaint: payload } = await execute(options, TransitionComplaintDocument, {
    input: { complaintId: complaint.id, to, actingStaffId, reason: reason ?? null },
  });
  return result(payload);
}

export async function recordProgress(
  options: ClientOptions,
  complaintId: string,
  note: string,
  actingStaffId: string,
): Promise<Result<ComplaintCardFragment>> {
  const { recordComplaintProgress: payload } = await execute(options, RecordComplaintProgressDocument, {
    input: { complaintId, note, actingStaffId },
  });
  return result(payload);
}

/** The customer's complaints, newest page first (backward from the end). */
export async function customerComplaints(
  options: ClientOptions,
  siteId: string,
  customerId: string,
  before?: string,
): Promise<{ complaints: readonly ComplaintCardFragment[]; total: number; earlier: string | null }> {
  const { complaints } = await execute(options, CustomerComplaintsDocument, {
    siteId,
    customerId,
    last: 10,
    before: before ?? null,
  });
  return {
    complaints: complaints.nodes,
    total: complaints.totalCount,
    earlier: complaints.pageInfo.hasPreviousPage ? complaints.pageInfo.startCursor : null,
  };
}

function explain(code: ComplaintErrorCode, message: string): string {
  switch (code) {
    case "ILLEGAL_TRANSITION":
      return `Not a legal next step (C-9): ${message}`;
    case "COMPLAINT_CLOSED":
      return "The complaint is closed.";
    case "MISSING_CHANNEL_DETAILS":
    case "INVALID_CHANNEL_DETAILS":
      return `Channel details (C-7): ${message}`;
    case "REASON_REQUIRED":
      return "Give a reason.";
    case "ACTOR_REQUIRED":
      return "Say which staff member acts.";
    default:
      return message;
  }
}

/** The card's deadline chip: which C-8/C-11 deadline is next, by status (all handled). */
export function deadline(complaint: ComplaintCardFragment): string | null {
  const status = complaint.status;
  switch (status) {
    case "RECEIVED":
      return complaint.firstResponseDue;
    case "ACKNOWLEDGED":
    case "IN_PROGRESS":
    case "REOPENED":
      return complaint.progressUpdateDue ?? complaint.resolutionDue;
    case "WAITING_ON_CUSTOMER":
    case "RESOLVED":
    case "REVISITED":
    case "CLOSED":
      return null;
    default:
      return assertNever(status);
  }
}
