// Flow 3: the visit register, a Relay connection paged forward and backward.
import { execute, type ClientOptions } from "./client";
import {
  VisitRegisterDocument,
  type RegisterRowFragment,
  type VisitRegisterQueryVariables,
} from "./generated/graphql";

export interface RegisterPage {
  readonly rows: readonly RegisterRowFragment[];
  readonly total: number;
  /** Cursors for the pager's buttons; null when there is no page that way. */
  readonly older: string | null;
  readonly newer: string | null;
}

export type PageRequest =
  | { readonly direction: "first" }
  | { readonly direction: "older"; readonly after: string }
  | { readonly direction: "newer"; readonly before: string };

export interface DateRange {
  /** ISO 8601 with an offset, e.g. 2026-11-24T00:00:00+08:00 */
  readonly from: string;
  readonly before: string;
}

/** One page of the register, newest first; `newer` pages backward with last/before. */
export async function registerPage(
  options: ClientOptions,
  siteId: string,
  request: PageRequest,
  size = 20,
  range?: DateRange,
): Promise<RegisterPage> {
  const window: VisitRegisterQueryVariables =
    request.direction === "newer"
      ? { siteId, last: size, before: request.before }
      : { siteId, first: size, after: request.direction === "older" ? request.after : null };
  const { visits } = await execute(options, VisitRegisterDocument, {
    ...window,
    arrivedFrom: range?.from ?? null,
    arrivedBefore: range?.before ?? null,
    orderBy: { field: "ARRIVED_AT", direction: "DESC" },
  });
  const { pageInfo } = visits;
  return {
    rows: visits.edges.map((edge) => edge.node),
    total: visits.totalCount,
    older: pageInfo.hasNextPage ? pageInfo.endCursor : null,
    newer: pageInfo.hasPreviousPage ? pageInfo.startCursor : null,
  };
}

/** A register line as the front desk prints it: who came, who received them, and why. */
export function describe(row: RegisterRowFragment): string {
  const who = row.customer?.name ?? "walk-in";
  const receiver = row.receiver?.name ?? "nobody";
  const why = row.decision === null ? "" : ` (${row.decision.rule}: ${row.decision.message})`;
  const counted = row.counted ? "" : " [not counted]";
  return `#${row.legacyId} ${row.arrivedAt} ${row.channel} ${who} ×${row.partySize} → ${receiver}${why}${counted}`;
}
