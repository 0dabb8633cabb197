import { useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { useApi, useAppNavigate, useRouteRef } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { Alert, Button, CellText, ColumnConfig, Container, Flex, Table, Text } from '@backstage/ui';
import { workspaceCreatePermission } from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type WorkspaceListItem } from '../../api';
import { workspaceRouteRef } from '../../routes';
import { errorMessage, shortRef } from '../../lib/format';
import { CreateWorkspaceDialog } from './CreateWorkspaceDialog';

type Row = WorkspaceListItem & { id: string };

/**
 * The `/workspaces` page: the workspaces the user can see, and a "Create
 * workspace" dialog for users with `sandbox.workspace.create`.
 */
export function WorkspacesPage() {
  const sandboxApi = useApi(sandboxApiRef);
  const workspaceLink = useRouteRef(workspaceRouteRef);
  const navigate = useAppNavigate();
  const create = usePermission({ permission: workspaceCreatePermission });
  const [creating, setCreating] = useState(false);

  const { value, loading, error } = useAsync(() => sandboxApi.listWorkspaces(), [sandboxApi]);
  const rows = useMemo(() => value?.map(ws => ({ ...ws, id: ws.name })), [value]);

  const columns = useMemo<ColumnConfig<Row>[]>(
    () => [
      {
        id: 'name',
        label: 'Name',
        isRowHeader: true,
        cell: ws => <CellText title={ws.name} href={workspaceLink?.({ name: ws.name })} />,
      },
      {
        id: 'title',
        label: 'Title',
        cell: ws => <CellText title={ws.title} description={ws.description} />,
      },
      { id: 'plan', label: 'Plan', cell: ws => <CellText title={ws.plan} /> },
      { id: 'role', label: 'My role', cell: ws => <CellText title={ws.myRole ?? '—'} /> },
      {
        id: 'backingGroup',
        label: 'Backing group',
        cell: ws => <CellText title={ws.backingGroup ? shortRef(ws.backingGroup) : '—'} />,
      },
      {
        id: 'archived',
        label: 'Status',
        cell: ws => (
          <CellText
            title={ws.archived ? 'archived' : 'active'}
            color={ws.archived ? 'secondary' : 'primary'}
          />
        ),
      },
    ],
    [workspaceLink],
  );

  return (
    <Container>
      <Flex direction="column" gap="4">
        {create.allowed && (
          <Flex justify="end">
            <Button variant="primary" onPress={() => setCreating(true)}>
              Create workspace
            </Button>
          </Flex>
        )}
        {error && (
          <Alert
            status="danger"
            title="Could not load workspaces"
            description={errorMessage(error)}
          />
        )}
        <Table<Row>
          columnConfig={columns}
          data={rows}
          isPending={loading && !value}
          emptyState={<Text>You are not a member of any workspace yet.</Text>}
          pagination={{ type: 'none' }}
        />
      </Flex>
      {create.allowed && (
        <CreateWorkspaceDialog
          open={creating}
          onClose={() => setCreating(false)}
          onCreated={workspace => {
            setCreating(false);
            const href = workspaceLink?.({ name: workspace.name });
            if (href) {
              navigate(href);
            }
          }}
        />
      )}
    </Container>
  );
}
