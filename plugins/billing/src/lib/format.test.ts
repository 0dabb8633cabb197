import { ResponseError } from '@backstage/errors';
import {
  daysOf,
  errorMessage,
  formatMoney,
  formatPercent,
  formatPeriod,
  formatQuantity,
  formatTime,
  recentPeriods,
  shortRef,
} from './format';
import { responseError } from '../testUtils/fixtures';

describe('format', () => {
  it('formats integer minor units exactly with Intl', () => {
    expect(formatMoney(123456, 'EUR')).toBe('€1,234.56');
    expect(formatMoney(5, 'EUR')).toBe('€0.05');
    expect(formatMoney(-2950, 'USD')).toBe('-$29.50');
    expect(formatMoney(0, 'EUR')).toBe('€0.00');
    // no float rounding, even far beyond 2^53 / 100
    expect(formatMoney(900719925474099, 'EUR')).toBe('€9,007,199,254,740.99');
    // currencies without minor digits
    expect(formatMoney(1234, 'JPY')).toBe('¥1,234');
  });

  it('formats quantities, percents, periods and times', () => {
    expect(formatQuantity(1234.5678)).toBe('1,234.57');
    expect(formatQuantity('12.5000', 4)).toBe('12.5');
    expect(formatPercent(0.8)).toBe('80 %');
    expect(formatPeriod('2026-03')).toBe('March 2026');
    expect(formatPeriod('2026-13')).toBe('2026-13');
    expect(formatTime(undefined)).toBe('—');
    expect(formatTime('2026-01-01T10:00:00.000Z')).toMatch(/2026/);
  });

  it('lists recent periods newest first, across a year boundary', () => {
    expect(recentPeriods(new Date('2026-02-15T00:00:00Z'), 4)).toEqual(['2026-02', '2026-01', '2025-12', '2025-11']);
  });

  it('lists every day of a period', () => {
    const days = daysOf('2028-02');
    expect(days).toHaveLength(29);
    expect(days[0]).toBe('2028-02-01');
    expect(days[28]).toBe('2028-02-29');
  });

  it('shortens entity refs', () => {
    expect(shortRef('group:default/team-a')).toBe('team-a');
    expect(shortRef('group:ops/infra')).toBe('ops/infra');
    expect(shortRef('(no team)')).toBe('(no team)');
  });

  it('prefers the backend message of a ResponseError', async () => {
    const err = await responseError(403, 'NotAllowedError', 'Requires billing.admin');
    expect(ResponseError.is(err)).toBe(true);
    expect(errorMessage(err)).toBe('Requires billing.admin');
    expect(errorMessage(new Error('plain'))).toBe('plain');
    expect(errorMessage('text')).toBe('text');
  });
});
