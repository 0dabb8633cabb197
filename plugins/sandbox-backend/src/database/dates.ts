/**
 * Reads a timestamp column the same way on every engine: PostgreSQL returns Date objects,
 * better-sqlite3 epoch milliseconds (or an SQL string for literal inserts, taken as UTC).
 */
export function toDate(value: Date | string | number): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return new Date(/Z|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** {@link toDate} for nullable columns. */
export function toOptionalDate(value: Date | string | number | null | undefined): Date | undefined {
  return value === null || value === undefined ? undefined : toDate(value);
}
