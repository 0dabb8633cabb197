import { useMemo, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Button, CellText, ColumnConfig, Flex, Select, Table, Text } from '@backstage/ui';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  ALLOCATION_DIMENSIONS,
  type AllocationDimension,
  type AllocationRow,
} from '@internal/plugin-billing-common';
import { billingApiRef } from '../../api';
import { errorMessage, formatMoney, formatPeriod, shortRef } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';
import { PeriodSelect } from '../shared/PeriodSelect';
import { Section } from '../shared/Section';

const LABELS: Record<string, string> = {
  team: 'Team',
  costCenter: 'Cost center',
  template: 'Template',
  workspace: 'Workspace',
  sandbox: 'Sandbox',
};
const ORDER = ['team', 'costCenter', 'template', 'workspace', 'sandbox'];

/** The dimensions the backend allocates by, team first, with their labels. */
export function dimensionOptions(): { id: AllocationDimension; label: string }[] {
  const dims = [...ALLOCATION_DIMENSIONS] as AllocationDimension[];
  const rank = (d: string) => (ORDER.indexOf(d) === -1 ? ORDER.length : ORDER.indexOf(d));
  return dims.sort((a, b) => rank(a) - rank(b)).map(id => ({ id, label: LABELS[id] ?? id }));
}

/** How a row key reads: group refs as their short name. */
function keyLabel(dimension: string, key: string): string {
  return dimension === 'team' ? shortRef(key) : key;
}

/** Saves a blob under a file name (a temporary object URL behind a clicked link). */
export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

type Row = AllocationRow & { id: string };

/**
 * Cost allocation across all workspaces by team, cost center, template, workspace or sandbox:
 * direct cost plus the spread shared platform cost, as a stacked bar chart and a table, with CSV.
 */
export function AllocationTab(props: {
  dimension: AllocationDimension;
  onDimensionChange: (dimension: AllocationDimension) => void;
  period: string | undefined;
  onPeriodChange: (period: string | undefined) => void;
}) {
  const { dimension, onDimensionChange, period, onPeriodChange } = props;
  const billingApi = useApi(billingApiRef);
  const report = useLoader(
    () => billingApi.getAllocation({ by: dimension, period }),
    [billingApi, dimension, period],
  );
  const [downloadError, setDownloadError] = useState<string | undefined>();
  const [downloading, setDownloading] = useState(false);
  const currency = report.value?.currency ?? 'EUR';

  const columns = useMemo<ColumnConfig<Row>[]>(
    () => [
      {
        id: 'key',
        label: LABELS[dimension] ?? dimension,
        isRowHeader: true,
        cell: r => <CellText title={keyLabel(dimension, r.key)} />,
      },
      { id: 'direct', label: 'Direct', cell: r => <CellText title={formatMoney(r.directMinor, currency)} /> },
      { id: 'shared', label: 'Shared', cell: r => <CellText title={formatMoney(r.sharedMinor, currency)} /> },
      { id: 'total', label: 'Total', cell: r => <CellText title={formatMoney(r.totalMinor, currency)} /> },
    ],
    [dimension, currency],
  );
  const rows = report.value?.rows ?? [];
  const chartData = rows.map(r => ({
    key: keyLabel(dimension, r.key),
    // recharts plots numbers; the axis shows major units, the tooltip exact money
    direct: r.directMinor / 100,
    shared: r.sharedMinor / 100,
    directMinor: r.directMinor,
    sharedMinor: r.sharedMinor,
  }));
  const total = rows.reduce((sum, r) => sum + r.totalMinor, 0);

  const download = async () => {
    setDownloading(true);
    setDownloadError(undefined);
    try {
      const csv = await billingApi.downloadAllocationCsv({ by: dimension, period });
      saveBlob(csv.blob, csv.filename);
    } catch (e) {
      setDownloadError(`Could not download the CSV: ${errorMessage(e)}`);
    } finally {
      setDownloading(false);
    }
  };

  return (
    <Flex direction="column" gap="4">
      <Flex justify="between" align="end">
        <Flex gap="3">
          <Select
            label="Allocate by"
            value={dimension}
            options={dimensionOptions()}
            onChange={key => key !== null && onDimensionChange(String(key) as AllocationDimension)}
          />
          <PeriodSelect value={period} onChange={onPeriodChange} />
        </Flex>
        <Button variant="secondary" isDisabled={downloading} onPress={download}>
          Download CSV
        </Button>
      </Flex>
      {report.error && (
        <Alert status="danger" title="Could not load the allocation" description={errorMessage(report.error)} />
      )}
      {downloadError && <Alert status="danger" title={downloadError} />}
      <Section
        title={
          report.value
            ? `Cost by ${(LABELS[dimension] ?? dimension).toLowerCase()}, ${formatPeriod(report.value.period)}, all workspaces`
            : 'Cost allocation'
        }
      >
        {report.value && (
          <Flex direction="column" gap="4">
            <Text variant="body-small" color="secondary">
              {`Total ${formatMoney(total, currency)}, of which shared platform cost ${formatMoney(
                report.value.sharedPlatformMinor,
                currency,
              )} (spread pro rata to direct cost).`}
            </Text>
            {rows.length > 0 && (
              <div data-testid="allocation-chart" style={{ width: '100%', height: 300 }}>
                <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 800, height: 300 }}>
                  <BarChart data={chartData} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="key" />
                    <YAxis />
                    <Tooltip
                      formatter={(_value, name, item) =>
                        formatMoney(
                          name === 'Shared' ? item.payload.sharedMinor : item.payload.directMinor,
                          currency,
                        )
                      }
                    />
                    <Legend />
                    <Bar dataKey="direct" name="Direct" stackId="cost" fill="#1f77b4" />
                    <Bar dataKey="shared" name="Shared" stackId="cost" fill="#aec7e8" />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
            <Table<Row>
              columnConfig={columns}
              data={rows.map(r => ({ ...r, id: r.key }))}
              pagination={{ type: 'none' }}
              emptyState={<Text>No usage in this period.</Text>}
            />
          </Flex>
        )}
        {!report.value && report.loading && <Text color="secondary">Loading…</Text>}
      </Section>
    </Flex>
  );
}
