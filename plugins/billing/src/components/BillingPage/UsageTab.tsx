import { useMemo } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, CellText, ColumnConfig, Flex, Table, Text } from '@backstage/ui';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { UsageSummaryPoint } from '@internal/plugin-billing-common';
import { billingApiRef } from '../../api';
import { daysOf, errorMessage, formatPeriod, formatQuantity } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';
import { PeriodSelect } from '../shared/PeriodSelect';
import { Section } from '../shared/Section';

/** The meters, in chart order, with their unit and colour. */
export const METERS = [
  { key: 'vcpuHours', label: 'vCPU-hours', color: '#1f77b4' },
  { key: 'memoryGiBHours', label: 'Memory GiB-hours', color: '#ff7f0e' },
  { key: 'diskGiBHours', label: 'Disk GiB-hours', color: '#2ca02c' },
] as const;

/** One point per day of the period; days without usage are zero. */
export function dailySeries(period: string, days: UsageSummaryPoint[]): UsageSummaryPoint[] {
  const byDay = new Map(days.map(d => [d.day, d]));
  return daysOf(period).map(
    day => byDay.get(day) ?? { day, vcpuHours: 0, memoryGiBHours: 0, diskGiBHours: 0 },
  );
}

type Row = UsageSummaryPoint & { id: string };

/** Usage of one workspace per day and meter over a period: a bar chart and the numbers. */
export function UsageTab(props: {
  workspace: string;
  period: string | undefined;
  onPeriodChange: (period: string | undefined) => void;
}) {
  const { workspace, period, onPeriodChange } = props;
  const billingApi = useApi(billingApiRef);
  const usage = useLoader(() => billingApi.getUsage(workspace, period), [billingApi, workspace, period]);
  const series = useMemo(
    () => (usage.value ? dailySeries(usage.value.period, usage.value.days) : []),
    [usage.value],
  );
  const columns = useMemo<ColumnConfig<Row>[]>(
    () => [
      { id: 'day', label: 'Day', isRowHeader: true, cell: d => <CellText title={d.day} /> },
      ...METERS.map(m => ({
        id: m.key,
        label: m.label,
        cell: (d: Row) => <CellText title={formatQuantity(d[m.key])} />,
      })),
    ],
    [],
  );

  return (
    <Flex direction="column" gap="4">
      <Flex>
        <PeriodSelect value={period} onChange={onPeriodChange} />
      </Flex>
      {usage.error && (
        <Alert status="danger" title="Could not load usage" description={errorMessage(usage.error)} />
      )}
      <Section title={usage.value ? `Usage per day, ${formatPeriod(usage.value.period)}` : 'Usage per day'}>
        {usage.value && (
          <Flex direction="column" gap="4">
            <div data-testid="usage-chart" style={{ width: '100%', height: 300 }}>
              <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 800, height: 300 }}>
                <BarChart data={series} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="day" tickFormatter={(day: string) => day.slice(8)} />
                  <YAxis />
                  <Tooltip formatter={value => formatQuantity(Number(value))} />
                  <Legend />
                  {METERS.map(m => (
                    <Bar key={m.key} dataKey={m.key} name={m.label} fill={m.color} />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </div>
            <Table<Row>
              columnConfig={columns}
              data={usage.value.days.map(d => ({ ...d, id: d.day }))}
              pagination={{ type: 'none' }}
              emptyState={<Text>No usage recorded in this period.</Text>}
            />
          </Flex>
        )}
        {!usage.value && usage.loading && <Text color="secondary">Loading…</Text>}
      </Section>
    </Flex>
  );
}
