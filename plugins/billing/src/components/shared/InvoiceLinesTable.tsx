import { useMemo } from 'react';
import { CellText, ColumnConfig, Table, Text } from '@backstage/ui';
import type { InvoiceLine } from '@internal/plugin-billing-common';
import { formatMoney, formatQuantity } from '../../lib/format';

type Row = InvoiceLine & { id: number };

/** The lines of an invoice: what, how much, at which unit price, amount. */
export function InvoiceLinesTable(props: { lines: InvoiceLine[]; currency: string }) {
  const { lines, currency } = props;
  const columns = useMemo<ColumnConfig<Row>[]>(
    () => [
      { id: 'description', label: 'Line', isRowHeader: true, cell: l => <CellText title={l.description} /> },
      {
        id: 'quantity',
        label: 'Quantity',
        cell: l => <CellText title={`${formatQuantity(l.quantity, 4)} ${l.unit}`} />,
      },
      {
        id: 'unitPrice',
        label: 'Unit price',
        cell: l => <CellText title={formatMoney(l.unitPriceMinor, currency)} />,
      },
      { id: 'amount', label: 'Amount', cell: l => <CellText title={formatMoney(l.amountMinor, currency)} /> },
    ],
    [currency],
  );
  return (
    <Table<Row>
      columnConfig={columns}
      data={lines.map((line, id) => ({ ...line, id }))}
      pagination={{ type: 'none' }}
      emptyState={<Text>No invoice lines yet.</Text>}
    />
  );
}
