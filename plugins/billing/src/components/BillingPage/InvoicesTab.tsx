import { useMemo, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { Alert, Button, Cell, CellText, ColumnConfig, Flex, Table, Text } from '@backstage/ui';
import { billingAdminPermission, periodOf, type Invoice } from '@internal/plugin-billing-common';
import { billingApiRef } from '../../api';
import { errorMessage, formatMoney, formatPeriod } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';
import { PeriodSelect } from '../shared/PeriodSelect';
import { InvoiceDetail } from './InvoiceDetail';

/**
 * A workspace's invoices (optionally of one period), and the detail view of one.
 * "Generate draft" needs `billing.admin`: disabled while the decision loads, hidden when denied.
 */
export function InvoicesTab(props: {
  workspace: string;
  period: string | undefined;
  onPeriodChange: (period: string | undefined) => void;
  selected: string | undefined;
  onSelect: (id: string | undefined) => void;
}) {
  const { workspace, period, onPeriodChange, selected, onSelect } = props;
  const billingApi = useApi(billingApiRef);
  const admin = usePermission({ permission: billingAdminPermission });
  const list = useLoader(
    () => billingApi.listInvoices({ workspace, period }),
    [billingApi, workspace, period],
  );
  const [generating, setGenerating] = useState(false);
  const [generateError, setGenerateError] = useState<string | undefined>();

  const columns = useMemo<ColumnConfig<Invoice>[]>(
    () => [
      {
        id: 'number',
        label: 'Invoice',
        isRowHeader: true,
        cell: inv => (
          <Cell>
            <Button variant="tertiary" size="small" onPress={() => onSelect(inv.id)}>
              {inv.number ?? inv.id}
            </Button>
          </Cell>
        ),
      },
      { id: 'period', label: 'Period', cell: inv => <CellText title={formatPeriod(inv.period)} /> },
      { id: 'status', label: 'Status', cell: inv => <CellText title={inv.status} /> },
      { id: 'total', label: 'Total', cell: inv => <CellText title={formatMoney(inv.totalMinor, inv.currency)} /> },
    ],
    [onSelect],
  );

  if (selected) {
    return <InvoiceDetail id={selected} onBack={() => onSelect(undefined)} onChanged={list.retry} />;
  }

  const generate = async () => {
    setGenerating(true);
    setGenerateError(undefined);
    try {
      await billingApi.generateInvoice(workspace, period ?? periodOf(new Date()));
      list.retry();
    } catch (e) {
      setGenerateError(`Could not generate the draft: ${errorMessage(e)}`);
    } finally {
      setGenerating(false);
    }
  };

  return (
    <Flex direction="column" gap="4">
      <Flex justify="between" align="end">
        <PeriodSelect value={period} onChange={onPeriodChange} />
        {(admin.loading || admin.allowed) && (
          <Button variant="secondary" isDisabled={generating || !admin.allowed} onPress={generate}>
            Generate draft
          </Button>
        )}
      </Flex>
      {list.error && (
        <Alert status="danger" title="Could not load invoices" description={errorMessage(list.error)} />
      )}
      {generateError && <Alert status="danger" title={generateError} />}
      <Table<Invoice>
        columnConfig={columns}
        data={list.value}
        isPending={list.loading && !list.value}
        pagination={{ type: 'none' }}
        emptyState={<Text>No invoices yet.</Text>}
      />
    </Flex>
  );
}
