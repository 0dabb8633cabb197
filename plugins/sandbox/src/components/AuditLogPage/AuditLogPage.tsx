import { useMemo, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useDebounce from 'react-use/esm/useDebounce';
import { useApi, useAppSearchParams, useRouteRef } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Button,
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
import type { AuditEntry, AuditOutcome } from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type AuditQuery } from '../../api';
import { sandboxRouteRef, workspaceRouteRef } from '../../routes';
import { errorMessage, formatTimestamp } from '../../lib/format';
import { WorkspaceSelect } from '../WorkspaceSelect';
import { AuditOutcomeStatus } from './AuditOutcomeStatus';

/** Entries fetched per request ("Load more" fetches the next batch). */
export const AUDIT_PAGE_SIZE = 50;

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'denied', 'invalid', 'failure'];

const ALL_OUTCOMES = 'all';
const TEXT_DEBOUNCE_MS = 400;

type TextFilter = 'actor' | 'action';
type Filter = 'workspace' | 'outcome' | TextFilter;

function isOutcome(value: string | null): value is AuditOutcome {
  return value !== null && (AUDIT_OUTCOMES as readonly string[]).includes(value);
}

/** A text filter that updates the URL once typing pauses. */
function useDebouncedFilter(
  value: string,
  apply: (value: string | undefined) => void,
): [string, (value: string) => void] {
  const [input, setInput] = useState(value);
  useDebounce(
    () => {
      if (input.trim() !== value) {
        apply(input.trim() || undefined);
      }
    },
    TEXT_DEBOUNCE_MS,
    [input],
  );
  return [input, setInput];
}

/**
 * The `/audit` page: who did what to which sandbox, workspace, member or quota,
 * newest first. Filters (workspace, actor, action, outcome) live in the URL;
 * "Load more" follows the backend's cursor.
 */
export function AuditLogPage() {
  const sandboxApi = useApi(sandboxApiRef);
  const sandboxLink = useRouteRef(sandboxRouteRef);
  const workspaceLink = useRouteRef(workspaceRouteRef);

  const [searchParams, setSearchParams] = useAppSearchParams();
  const workspace = searchParams.get('workspace') || undefined;
  const actor = searchParams.get('actor') ?? '';
  const action = searchParams.get('action') ?? '';
  const outcomeParam = searchParams.get('outcome');
  const outcome = isOutcome(outcomeParam) ? outcomeParam : undefined;

  const setFilter = (key: Filter, value: string | undefined) =>
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
  const [actorInput, setActorInput] = useDebouncedFilter(actor, v => setFilter('actor', v));
  const [actionInput, setActionInput] = useDebouncedFilter(action, v => setFilter('action', v));

  const query = useMemo<AuditQuery>(
    () => ({
      workspace,
      actor: actor || undefined,
      action: action || undefined,
      outcome,
      limit: AUDIT_PAGE_SIZE,
    }),
    [workspace, actor, action, outcome],
  );
  const queryKey = JSON.stringify(query);

  const first = useAsyncRetry(() => sandboxApi.listAuditEntries(query), [sandboxApi, queryKey]);

  // Pages fetched with "Load more", for one query; a new query starts over.
  const [more, setMore] = useState<{ key: string; items: AuditEntry[]; nextCursor?: number }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | undefined>();
  const extra = more?.key === queryKey && first.value ? more : undefined;
  const items = useMemo(
    () => [...(first.value?.items ?? []), ...(extra?.items ?? [])],
    [first.value, extra],
  );
  const nextCursor = extra ? extra.nextCursor : first.value?.nextCursor;

  const loadMore = async () => {
    if (nextCursor === undefined) {
      return;
    }
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await sandboxApi.listAuditEntries({ ...query, cursor: nextCursor });
      setMore({
        key: queryKey,
        items: [...(extra?.items ?? []), ...page.items],
        nextCursor: page.nextCursor,
      });
    } catch (e) {
      setMoreError(errorMessage(e));
    } finally {
      setLoadingMore(false);
    }
  };

  const refresh = () => {
    setMore(undefined);
    setMoreError(undefined);
    first.retry();
  };

  const columns = useMemo<ColumnConfig<AuditEntry>[]>(
    () => [
      {
        id: 'at',
        label: 'Time',
        isRowHeader: true,
        cell: e => <CellText title={formatTimestamp(e.at)} />,
      },
      { id: 'actor', label: 'Actor', cell: e => <CellText title={e.actor} /> },
      { id: 'action', label: 'Action', cell: e => <CellText title={e.action} /> },
      {
        id: 'target',
        label: 'Target',
        cell: e => {
          let href: string | undefined;
          if (e.targetType === 'sandbox') {
            href = sandboxLink?.({ id: e.targetId });
          } else if (e.targetType === 'workspace') {
            href = workspaceLink?.({ name: e.targetId });
          }
          return <CellText title={e.targetId} description={e.targetType} href={href} />;
        },
      },
      {
        id: 'workspace',
        label: 'Workspace',
        cell: e => (
          <CellText
            title={e.workspace ?? '—'}
            href={e.workspace ? workspaceLink?.({ name: e.workspace }) : undefined}
          />
        ),
      },
      {
        id: 'outcome',
        label: 'Outcome',
        cell: e => (
          <Cell>
            <AuditOutcomeStatus outcome={e.outcome} />
          </Cell>
        ),
      },
      { id: 'message', label: 'Message', cell: e => <CellText title={e.message ?? ''} /> },
      { id: 'requestId', label: 'Request id', cell: e => <CellText title={e.requestId ?? ''} /> },
    ],
    [sandboxLink, workspaceLink],
  );

  return (
    <Container>
      <Flex direction="column" gap="4">
        <Flex gap="4" align="end" style={{ flexWrap: 'wrap' }}>
          <WorkspaceSelect value={workspace} onChange={value => setFilter('workspace', value)} />
          <TextField
            label="Actor"
            placeholder="user:default/alice"
            value={actorInput}
            onChange={setActorInput}
          />
          <TextField
            label="Action"
            placeholder="sandbox.create"
            value={actionInput}
            onChange={setActionInput}
          />
          <Select
            label="Outcome"
            value={outcome ?? ALL_OUTCOMES}
            onChange={key =>
              setFilter('outcome', key === ALL_OUTCOMES || key === null ? undefined : String(key))
            }
            options={[
              { id: ALL_OUTCOMES, label: 'All outcomes' },
              ...AUDIT_OUTCOMES.map(o => ({ id: o, label: o })),
            ]}
          />
          <Button variant="secondary" isPending={first.loading} onPress={refresh}>
            Refresh
          </Button>
        </Flex>
        {first.error && (
          <Alert
            status="danger"
            title="Could not load the audit log"
            description={errorMessage(first.error)}
          />
        )}
        <Table<AuditEntry>
          columnConfig={columns}
          data={first.value || first.error ? items : undefined}
          isPending={first.loading && !first.value}
          emptyState={<Text>No audit entries match these filters.</Text>}
          pagination={{ type: 'none' }}
        />
        {moreError && (
          <Alert status="danger" title="Could not load more entries" description={moreError} />
        )}
        {nextCursor !== undefined && !first.loading && (
          <Flex justify="center">
            <Button variant="secondary" isPending={loadingMore} onPress={loadMore}>
              Load more
            </Button>
          </Flex>
        )}
      </Flex>
    </Container>
  );
}
