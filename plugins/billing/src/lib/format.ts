import { ResponseError } from '@backstage/errors';
import { PERIOD_PATTERN, periodBounds, periodOf, previousPeriod } from '@internal/plugin-billing-common';

const formatters = new Map<string, Intl.NumberFormat>();

function moneyFormatter(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/**
 * Integer minor units as money in the user's locale, e.g. 123456 EUR -> "€1,234.56". The amount
 * goes to Intl as an exact decimal string, so no float ever touches it.
 */
export function formatMoney(amountMinor: number, currency: string): string {
  const formatter = moneyFormatter(currency);
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  const sign = amountMinor < 0 ? '-' : '';
  const abs = String(Math.abs(Math.trunc(amountMinor))).padStart(digits + 1, '0');
  const decimal = digits > 0 ? `${abs.slice(0, -digits)}.${abs.slice(-digits)}` : abs;
  // Intl.NumberFormat formats decimal strings exactly (ES2023); TypeScript's lib still says number.
  return (formatter.format as (value: string) => string)(`${sign}${decimal}`);
}

/** A quantity such as vCPU-hours: up to 2 decimals, grouped. */
export function formatQuantity(value: number | string, maximumFractionDigits = 2): string {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits }).format(Number(value));
}

/** Percent of a ratio: 0.8 -> "80 %". */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

/** The backend's message of a failed request, else the error's message. */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.body?.error?.message || error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** `team-a` for `group:default/team-a`, `ns/name` outside the default namespace, else the input. */
export function shortRef(ref: string): string {
  const match = /^[a-z]+:(?:([^/]+)\/)?(.+)$/i.exec(ref);
  if (!match) return ref;
  const [, namespace, name] = match;
  return namespace && namespace !== 'default' ? `${namespace}/${name}` : name;
}

/** 'YYYY-MM' -> "March 2026" (UTC); anything else as it is. */
export function formatPeriod(period: string): string {
  if (!PERIOD_PATTERN.test(period)) return period;
  const { start } = periodBounds(period);
  return new Date(start).toLocaleDateString(undefined, {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** The `count` periods up to and including the one `now` falls in, newest first. */
export function recentPeriods(now: Date, count = 12): string[] {
  const periods = [periodOf(now)];
  while (periods.length < count) periods.push(previousPeriod(periods[periods.length - 1]));
  return periods;
}

/** Every UTC day ('YYYY-MM-DD') of a period. */
export function daysOf(period: string): string[] {
  const { start, end } = periodBounds(period);
  const days: string[] = [];
  for (let t = start; t < end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** An ISO time as a short date and time in the user's locale. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
