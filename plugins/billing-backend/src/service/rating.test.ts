import { DEFAULT_PLANS, Plan } from '@internal/plugin-billing-common';
import { GIB_MONTH, listPriceMinor, quantityString, rateSegment, segmentsOf, VCPU_HOUR } from './rating';

const plans = new Map<string, Plan>(Object.values(DEFAULT_PLANS).map(p => [p.name, p]));
const NOV = { start: Date.parse('2026-11-01T00:00:00Z'), end: Date.parse('2026-12-01T00:00:00Z') };

describe('rateSegment', () => {
  const plan: Plan = { ...DEFAULT_PLANS.team, baseFeeMinor: 1, vcpuHourMinor: 1, includedVcpuHours: 0, diskGiBMonthMinor: 3, includedDiskGiBMonths: 0 };

  it('rounds each line half-up exactly once', () => {
    const seg = { plan, status: 'active' as const, from: NOV.start, to: NOV.start + (NOV.end - NOV.start) / 2 };
    // base fee 1 x 0.5 = 0.5 -> 1; 2.5 vCPU-h x 1 = 2.5 -> 3; 2.4999 vCPU-h would round to 2
    const lines = rateSegment(seg, { vcpuMms: (VCPU_HOUR * 5n) / 2n, memoryMiBMs: 0n, diskGiBMs: 0n }, NOV.end - NOV.start);
    expect(lines.map(l => l.amountMinor)).toEqual([1, 3]);
    const down = rateSegment({ ...seg, status: 'trial' }, { vcpuMms: (VCPU_HOUR * 5n) / 2n - 1n, memoryMiBMs: 0n, diskGiBMs: GIB_MONTH / 6n }, NOV.end - NOV.start);
    expect(down.map(l => [l.type, l.amountMinor])).toEqual([
      ['compute_vcpu', 2],
      ['storage_disk', 1], // 3 / 6 = 0.5 -> 1
    ]);
  });
});

describe('segmentsOf', () => {
  it('uses the default plan without history and ignores future changes', () => {
    expect(segmentsOf([], plans, '2026-11', 'free').map(s => [s.plan.name, s.from, s.to])).toEqual([['free', NOV.start, NOV.end]]);
    const later = segmentsOf([{ plan: 'team', status: 'active', effectiveFrom: NOV.end + 1 }], plans, '2026-11', 'free');
    expect(later.map(s => s.plan.name)).toEqual(['free']);
    const same = segmentsOf(
      [
        { plan: 'team', status: 'active', effectiveFrom: NOV.start + 10 },
        { plan: 'enterprise', status: 'active', effectiveFrom: NOV.start + 10 },
      ],
      plans,
      '2026-11',
      'free',
    );
    expect(same.map(s => [s.plan.name, s.to - s.from])).toEqual([
      ['free', 10],
      ['enterprise', NOV.end - NOV.start - 10],
    ]);
    expect(() => segmentsOf([{ plan: 'gold' as any, status: 'active', effectiveFrom: 0 }], plans, '2026-11', 'free')).toThrow("unknown plan 'gold'");
  });
});

describe('helpers', () => {
  it('formats quantities and list prices', () => {
    expect(quantityString(0n, VCPU_HOUR)).toBe('0.0000');
    expect(quantityString(VCPU_HOUR * 12n + VCPU_HOUR / 3n, VCPU_HOUR)).toBe('12.3333');
    expect(listPriceMinor(DEFAULT_PLANS.team, { vcpuMms: VCPU_HOUR * 10n, memoryMiBMs: 0n, diskGiBMs: GIB_MONTH })).toBe(40 + 8);
  });
});
