import { useMemo, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import { Alert, Cell, CellText, ColumnConfig, Flex, Table, Text } from '@backstage/ui';
import type { Sandbox, SandboxState } from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { sandboxRouteRef } from '../../routes';
import {
  POLL_INTERVAL_MS,
  errorMessage,
  formatAge,
  formatMemory,
  formatTtlRemaining,
  isTransitional,
  shortRef,
} from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { SandboxStateStatus } from '../SandboxStateStatus';
import { SandboxRowActions } from './SandboxRowActions';

/** Rows per page requested from the backend. */
export const PAGE_SIZE = 25;

/**
 * Cursor pagination: `cursors[i]` is the cursor that fetches page `i`. Paging
 * state belongs to one set of filters and starts over when they change.
 */
function usePaging(filterKey: string) {
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key: filterKey,
    cursors: [undefined],
  });
  const cursors = paging.key === filterKey ? paging.cursors : [undefined];
  return {
    page: cursors.length - 1,
    cursor: cursors[cursors.length - 1],
    next: (nextCursor: string) => setPaging({ key: filterKey, cursors: [...cursors, nextCursor] }),
    previous: () =>
      setPaging({ key: filterKey, cursors: cursors.slice(0, Math.max(1, cursors.length - 1)) }),
  };
}

/**
 * The sandboxes of the given filters, paged by cursor, with the row actions
 * the user may take. Refreshes every few seconds while a listed sandbox is in
 * a `-ing` state. Used by the `/sandboxes` page and the workspace page.
 */
export function SandboxTable(props: {
  workspace?: string;
  state?: SandboxState;
  /** On a workspace's own page the workspace column says nothing. */
  hideWorkspaceColumn?: boolean;
  emptyText?: string;
}) {
  const {
    workspace,
    state,
    hideWorkspaceColumn = false,
    emptyText = 'No sandboxes match these filters.',
  } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const sandboxLink = useRouteRef(sandboxRouteRef);
  const now = useNow();
  const [actionError, setActionError] = useState<string | undefined>();

  const paging = usePaging(`${workspace ?? ''}|${state ?? ''}`);
  const { value, loading, error, retry } = useAsyncRetry(
    () =>
      sandboxApi.listSandboxes({
        workspace: workspace || undefined,
        state,
        limit: PAGE_SIZE,
        cursor: paging.cursor,
      }),
    [sandboxApi, workspace, state, paging.cursor],
  );

  // Keep polling while anything on screen is on its way to another state.
  const changing = value?.items.some(item => isTransitional(item.state)) ?? false;
  useInterval(retry, changing ? POLL_INTERVAL_MS : null);

  const columns = useMemo<ColumnConfig<Sandbox>[]>(
    () => [
      {
        id: 'name',
        label: 'Name',
        isRowHeader: true,
        cell: item => <CellText title={item.name} href={sandboxLink?.({ id: item.id })} />,
      },
      {
        id: 'workspace',
        label: 'Workspace',
        isHidden: hideWorkspaceColumn,
        cell: item => <CellText title={item.workspace} />,
      },
      { id: 'owner', label: 'Owner', cell: item => <CellText title={shortRef(item.owner)} /> },
      { id: 'template', label: 'Template', cell: item => <CellText title={item.template} /> },
      {
        id: 'state',
        label: 'State',
        cell: item => (
          <Cell>
            <SandboxStateStatus state={item.state} />
          </Cell>
        ),
      },
      {
        id: 'size',
        label: 'Size',
        cell: item => (
          <CellText
            title={item.size.name}
            description={`${item.size.cpus} vCPU, ${formatMemory(item.size.memoryMiB)}`}
          />
        ),
      },
      { id: 'age', label: 'Age', cell: item => <CellText title={formatAge(item, now)} /> },
      {
        id: 'ttl',
        label: 'TTL remaining',
        cell: item => <CellText title={formatTtlRemaining(item, now)} />,
      },
      {
        id: 'actions',
        label: 'Actions',
        cell: item => (
          <Cell>
            <SandboxRowActions sandbox={item} onChanged={retry} onError={setActionError} />
          </Cell>
        ),
      },
    ],
    [sandboxLink, now, hideWorkspaceColumn, retry],
  );

  return (
    <Flex direction="column" gap="3">
      {changing && (
        <Text variant="body-small" color="secondary">
          Refreshing while sandboxes change state…
        </Text>
      )}
      {error && (
        <Alert status="danger" title="Could not load sandboxes" description={errorMessage(error)} />
      )}
      {actionError && <Alert status="danger" title={actionError} />}
      <Table<Sandbox>
        columnConfig={columns}
        data={value?.items}
        isPending={loading && !value}
        emptyState={<Text>{emptyText}</Text>}
        pagination={{
          type: 'page',
          pageSize: PAGE_SIZE,
          offset: paging.page * PAGE_SIZE,
          totalCount: value?.totalCount,
          hasNextPage: Boolean(value?.nextCursor),
          hasPreviousPage: paging.page > 0,
          onNextPage: () => value?.nextCursor && paging.next(value.nextCursor),
          onPreviousPage: paging.previous,
          pageSizeOptions: [],
          showPageSizeOptions: false,
        }}
      />
    </Flex>
  );
}
