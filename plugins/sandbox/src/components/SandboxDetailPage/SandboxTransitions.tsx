import { Cell, CellText, ColumnConfig, Table } from '@backstage/ui';
import type { SandboxTransition } from '@internal/plugin-sandbox-common';
import { SandboxStateStatus } from '../SandboxStateStatus';

type Row = SandboxTransition & { id: number };

const columns: ColumnConfig<Row>[] = [
  {
    id: 'at',
    label: 'When',
    isRowHeader: true,
    cell: row => <CellText title={new Date(row.at).toLocaleString()} />,
  },
  { id: 'from', label: 'From', cell: row => <CellText title={row.from ?? '—'} /> },
  {
    id: 'to',
    label: 'To',
    cell: row => (
      <Cell>
        <SandboxStateStatus state={row.to} />
      </Cell>
    ),
  },
  { id: 'reason', label: 'Reason', cell: row => <CellText title={row.reason ?? ''} /> },
];

/** The recorded state changes, newest first. */
export function SandboxTransitions(props: { transitions: SandboxTransition[] }) {
  const rows = props.transitions
    .map((transition, index) => ({ ...transition, id: index }))
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id - a.id);
  return (
    <Table<Row>
      columnConfig={columns}
      data={rows}
      pagination={{ type: 'none' }}
      emptyState="No state changes recorded."
    />
  );
}
