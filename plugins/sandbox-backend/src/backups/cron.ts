const RANGES: Array<[number, number]> = [
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 7], // day of week (0 and 7 = Sunday)
];

function parseField(field: string, [min, max]: [number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let from = min;
    let to = max;
    if (range !== '*') {
      const [a, b] = range.split('-').map(Number);
      from = a;
      to = b ?? (stepText ? max : a);
    }
    if (!(step >= 1) || from < min || to > max || from > to) {
      throw new Error(`cron field '${field}' is out of range ${min}-${max}`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** A parsed five-field cron expression, evaluated in UTC. */
export class CronExpression {
  private readonly fields: Set<number>[];
  private readonly domRestricted: boolean;
  private readonly dowRestricted: boolean;

  static parse(expression: string): CronExpression {
    return new CronExpression(expression);
  }

  private constructor(readonly expression: string) {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 5) throw new Error(`cron '${expression}' must have five fields`);
    this.fields = parts.map((p, i) => parseField(p, RANGES[i]));
    if (this.fields[4].has(7)) this.fields[4].add(0);
    this.domRestricted = parts[2] !== '*';
    this.dowRestricted = parts[4] !== '*';
  }

  matches(at: Date): boolean {
    const [minute, hour, dom, month, dow] = this.fields;
    if (!minute.has(at.getUTCMinutes()) || !hour.has(at.getUTCHours()) || !month.has(at.getUTCMonth() + 1)) {
      return false;
    }
    const domOk = dom.has(at.getUTCDate());
    const dowOk = dow.has(at.getUTCDay());
    // classic cron: when both day fields are restricted, either may match
    if (this.domRestricted && this.dowRestricted) return domOk || dowOk;
    return domOk && dowOk;
  }

  /** Whether a matching minute lies in (after, until] (looks back at most `maxLookbackDays`). */
  firesBetween(after: Date, until: Date, maxLookbackDays = 8): boolean {
    const minuteMs = 60_000;
    const earliest = until.getTime() - maxLookbackDays * 24 * 60 * minuteMs;
    let t = Math.floor(Math.max(after.getTime(), earliest) / minuteMs) * minuteMs + minuteMs;
    for (; t <= until.getTime(); t += minuteMs) {
      if (this.matches(new Date(t))) return true;
    }
    return false;
  }
}
