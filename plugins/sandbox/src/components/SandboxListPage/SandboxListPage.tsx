import { useMemo, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useDebounce from 'react-use/esm/useDebounce';
import useInterval from 'react-use/esm/useInterval';
import {
  useApi,
  useAppSearchParams,
  useRouteRef,
} from '@backstage/frontend-plugin-api';
import {
  Alert,
  Cell,
  CellText,
  ColumnConfig,
  Container,
  Flex,
  Select,
  Table,
  Text,
  TextField,
} from '@backstage/ui';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  SANDBOX_STATES,
  type Sandbox,
  type SandboxState,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { sandboxRouteRef } from '../../routes';
import {
  POLL_INTERVAL_MS,
  errorMessage,
  formatAge,
  formatMemory,
  formatTtlRemaining,
  isTransitional,
} from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { SandboxStateStatus } from '../SandboxStateStatus';

/** Rows per page requested from the backend. */
export const PAGE_SIZE = 25;

const ALL_STATES = 'all';
const WORKSPACE_DEBOUNCE_MS = 400;

function shortRef(ref: string): string {
  try {
    const { namespace, name } = parseEntityRef(ref);
    return namespace === 'default' ? name : `${namespace}/${name}`;
  } catch {
    return ref;
  }
}

function isSandboxState(value: string | null): value is SandboxState {
  return value !== null && (SANDBOX_STATES as readonly string[]).includes(value);
}

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
    next: (nextCursor: string) =>
      setPaging({ key: filterKey, cursors: [...cursors, nextCursor] }),
    previous: () =>
      setPaging({ key: filterKey, cursors: cursors.slice(0, Math.max(1, cursors.length - 1)) }),
  };
}

/** The `/sandboxes` page: every sandbox the user may see, filterable and paged. */
export function SandboxListPage() {
  const sandboxApi = useApi(sandboxApiRef);
  const sandboxLink = useRouteRef(sandboxRouteRef);
  const now = useNow();

  const [searchParams, setSearchParams] = useAppSearchParams();
  const workspace = searchParams.get('workspace') ?? '';
  const stateParam = searchParams.get('state');
  const state = isSandboxState(stateParam) ? stateParam : undefined;

  const setFilter = (key: 'workspace' | 'state', value: string | undefined) =>
    setSearchParams(
      previous => {
        const next = new URLSearchParams(previous);
        if (value) {
          next.set(key, value);
        } else {
          next.delete(key);
        }
        return next;
      },
      { replace: true },
    );

  // The text field updates the URL (and so the query) once typing pauses.
  const [workspaceInput, setWorkspaceInput] = useState(workspace);
  useDebounce(
    () => {
      if (workspaceInput.trim() !== workspace) {
        setFilter('workspace', workspaceInput.trim());
      }
    },
    WORKSPACE_DEBOUNCE_MS,
    [workspaceInput],
  );

  const paging = usePaging(`${workspace}|${state ?? ''}`);
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
      { id: 'workspace', label: 'Workspace', cell: item => <CellText title={item.workspace} /> },
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
    ],
    [sandboxLink, now],
  );

  return (
    <Container>
      <Flex direction="column" gap="4">
        <Flex gap="4" align="end">
          <TextField
            label="Workspace"
            placeholder="All workspaces"
            value={workspaceInput}
            onChange={setWorkspaceInput}
          />
          <Select
            label="State"
            value={state ?? ALL_STATES}
            onChange={key =>
              setFilter('state', key === ALL_STATES || key === null ? undefined : String(key))
            }
            options={[
              { id: ALL_STATES, label: 'All states' },
              ...SANDBOX_STATES.map(s => ({ id: s, label: s })),
            ]}
          />
          {changing && (
            <Text variant="body-small" color="secondary">
              Refreshing while sandboxes change state…
            </Text>
          )}
        </Flex>
        {error && (
          <Alert status="danger" title="Could not load sandboxes" description={errorMessage(error)} />
        )}
        <Table<Sandbox>
          columnConfig={columns}
          data={value?.items}
          isPending={loading && !value}
          emptyState={<Text>No sandboxes match these filters.</Text>}
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
    </Container>
  );
}
