import { allocateProRata, divRoundHalfUp, formatMinor, toSafeNumber } from './money';
import { periodBounds, periodOf, previousPeriod } from './period';
import { billingPermissions } from './permissions';
import { changePlanRequestSchema, DEFAULT_PLANS } from './index';

describe('divRoundHalfUp', () => {
  it.each([
    [5n, 2n, 3n],
    [4n, 2n, 2n],
    [7n, 3n, 2n],
    [-5n, 2n, -3n],
    [-7n, 3n, -2n],
    [0n, 9n, 0n],
  ])('%s / %s = %s', (n, d, q) => expect(divRoundHalfUp(n, d)).toBe(q));
  it('rejects a non-positive denominator', () => expect(() => divRoundHalfUp(1n, 0n)).toThrow('denominator'));
});

describe('allocateProRata', () => {
  it('sums exactly and gives remainders to the largest fractions', () => {
    expect(allocateProRata(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateProRata(1000, [556, 6])).toEqual([989, 11]);
    expect(allocateProRata(10, [0, 0])).toEqual([5, 5]);
    expect(allocateProRata(10, [])).toEqual([]);
    expect(allocateProRata(0, [3, 4])).toEqual([0, 0]);
  });
});

describe('helpers', () => {
  it('formats and bounds', () => {
    expect(formatMinor(12345, 'EUR')).toBe('123.45 EUR');
    expect(formatMinor(-5, 'USD')).toBe('-0.05 USD');
    expect(() => toSafeNumber(2n ** 60n)).toThrow('out of range');
    expect(periodOf(new Date('2026-12-31T23:59:59Z'))).toBe('2026-12');
    expect(periodBounds('2026-02')).toEqual({ start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1) });
    expect(() => periodBounds('2026-13')).toThrow('invalid period');
    expect(previousPeriod('2026-01')).toBe('2025-12');
    expect(billingPermissions.map(p => p.name)).toEqual(['billing.view', 'billing.admin']);
    expect(changePlanRequestSchema.safeParse({ plan: 'team', extra: 1 }).success).toBe(false);
    expect(DEFAULT_PLANS.team.currency).toBe('EUR');
  });
});
