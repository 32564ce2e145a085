// Flow 6: a staff member's penalties this month (C-14, RE-5), with revocations netted out and
// money added up as decimal strings (never floats).
import { execute, type ClientOptions } from "./client";
import { StaffPenaltiesThisMonthDocument, type StaffPenaltiesThisMonthQuery } from "./generated/graphql";

type PenaltyRow = StaffPenaltiesThisMonthQuery["penalties"]["edges"][number]["node"];

export interface MonthRange {
  readonly issuedFrom: string;
  readonly issuedBefore: string;
}

/** The calendar month of `now` in a fixed-offset zone (Asia/Shanghai: +08:00, no DST). */
export function monthRange(now: Date, offsetMinutes = 8 * 60): MonthRange {
  const local = new Date(now.getTime() + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth(); // 0-based
  const offset = formatOffset(offsetMinutes);
  const start = `${year}-${pad(month + 1)}-01T00:00:00${offset}`;
  const nextYear = month === 11 ? year + 1 : year;
  const end = `${nextYear}-${pad(((month + 1) % 12) + 1)}-01T00:00:00${offset}`;
  return { issuedFrom: start, issuedBefore: end };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "300.00" → 30000n (cents); the API's Decimal is a string with at most two places for CNY. */
export function toCents(amount: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (match === null) throw new Error(`not a money amount: ${amount}`);
  const [, sign = "", whole = "0", fraction = ""] = match;
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  return sign === "-" ? -cents : cents;
}

export function formatCents(cents: bigint, currency: string): string {
  const sign = cents < 0n ? "-" : "";
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")} ${currency}`;
}

export interface MonthPenalties {
  readonly staff: string;
  readonly site: string;
  readonly standing: readonly PenaltyRow[];
  readonly revoked: readonly PenaltyRow[];
  /** Per currency, standing fines only. */
  readonly totals: ReadonlyMap<string, string>;
}

export async function penaltiesThisMonth(
  options: ClientOptions,
  siteId: string,
  staffId: string,
  now: Date,
): Promise<MonthPenalties | null> {
  const range = monthRange(now);
  const rows: PenaltyRow[] = [];
  let staff: StaffPenaltiesThisMonthQuery["staffMember"] = null;
  let after: string | null = null;
  for (;;) {
    const page: StaffPenaltiesThisMonthQuery = await execute(options, StaffPenaltiesThisMonthDocument, {
      siteId,
      staffId,
      ...range,
      after,
    });
    staff = page.staffMember;
    rows.push(...page.penalties.edges.map((edge) => edge.node));
    if (!page.penalties.pageInfo.hasNextPage) break;
    after = page.penalties.pageInfo.endCursor;
  }
  if (staff === null) return null;
  // A revocation is an entry of its own that names the entry it revokes.
  const revokedIds = new Set(rows.flatMap((row) => (row.revokes === null ? [] : [row.revokes.id])));
  const standing = rows.filter((row) => row.revokes === null && !revokedIds.has(row.id));
  const totals = new Map<string, bigint>();
  for (const row of standing) {
    if (row.amountMoney === null) continue; // a suspension or warning carries no amount
    const { amount, currency } = row.amountMoney;
    totals.set(currency, (totals.get(currency) ?? 0n) + toCents(amount));
  }
  return {
    staff: staff.name,
    site: staff.site.name,
    standing,
    revoked: rows.filter((row) => revokedIds.has(row.id)),
    totals: new Map([...totals].map(([currency, cents]) => [currency, formatCents(cents, currency)])),
  };
}
