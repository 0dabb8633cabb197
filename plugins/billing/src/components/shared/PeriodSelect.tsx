import { useMemo } from 'react';
import { Select } from '@backstage/ui';
import { formatPeriod, recentPeriods } from '../../lib/format';

const CURRENT = '__current__';

/** "Current period" (the backend's clock decides) or one of the previous eleven months. */
export function PeriodSelect(props: {
  value: string | undefined;
  onChange: (period: string | undefined) => void;
}) {
  const { value, onChange } = props;
  const options = useMemo(() => {
    const periods = recentPeriods(new Date());
    const list = [
      { id: CURRENT, label: 'Current period' },
      ...periods.slice(1).map(p => ({ id: p, label: formatPeriod(p) })),
    ];
    if (value && !list.some(o => o.id === value)) list.push({ id: value, label: formatPeriod(value) });
    return list;
  }, [value]);
  return (
    <Select
      label="Period"
      value={value ?? CURRENT}
      options={options}
      onChange={key => onChange(key === CURRENT || key === null ? undefined : String(key))}
    />
  );
}
