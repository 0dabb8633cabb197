/** Billing periods are UTC calendar months, written 'YYYY-MM'. */
export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** [start, end) of a period in epoch ms. */
export function periodBounds(period: string): { start: number; end: number } {
  if (!PERIOD_PATTERN.test(period)) throw new RangeError(`invalid period '${period}', expected YYYY-MM`);
  const [y, m] = period.split('-').map(Number);
  return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
}

export function previousPeriod(period: string): string {
  const { start } = periodBounds(period);
  return periodOf(new Date(start - 1));
}
