/**
 * Money arithmetic. All amounts are integers in minor units; quantities are integers in
 * "unit-milliseconds" (e.g. milli-vCPU x ms), so no float ever touches a price.
 *
 * Rounding rule (documented in docs/operators/billing.md): each invoice line is computed exactly as
 * a fraction and rounded ONCE, half-up (away from zero for .5), to a whole minor unit. Totals are
 * sums of rounded lines.
 */

/** round(numerator / denominator) half-up, exact (BigInt). Denominator must be > 0. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  const q = n / denominator;
  const r = n % denominator;
  const rounded = r * 2n >= denominator ? q + 1n : q;
  return negative ? -rounded : rounded;
}

/** A bigint that must fit a JS number (minor-unit amounts always do). */
export function toSafeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`amount out of range: ${v}`);
  }
  return Number(v);
}

/**
 * Split `total` over `weights` pro rata, exactly: floor shares, then the remaining minor units go one
 * each to the largest remainders (ties: the earlier index). The shares always sum to `total`.
 */
export function allocateProRata(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) {
    // nothing to weigh by: split evenly with the same remainder rule
    return allocateProRata(total, weights.map(() => 1));
  }
  const T = BigInt(total);
  const S = BigInt(sum);
  const shares = weights.map(w => (T * BigInt(w)) / S);
  const remainders = weights.map((w, i) => ({ i, r: (T * BigInt(w)) % S }));
  let left = T - shares.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => {
    if (a.r === b.r) return a.i - b.i;
    return a.r > b.r ? -1 : 1;
  });
  for (let k = 0; left > 0n; k++, left--) shares[remainders[k % remainders.length].i] += 1n;
  return shares.map(toSafeNumber);
}

/** Format minor units for display: 12345 EUR -> "123.45 EUR". */
export function formatMinor(amountMinor: number, currency: string): string {
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
}
