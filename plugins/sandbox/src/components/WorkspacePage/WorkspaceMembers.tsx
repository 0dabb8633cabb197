import { useMemo, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Button,
  Cell,
  CellText,
  ColumnConfig,
  Flex,
  Select,
  Table,
  Text,
  TextField,
} from '@backstage/ui';
import {
  WORKSPACE_ROLES,
  memberRefSchema,
  type WorkspaceDetails,
  type WorkspaceMember,
  type WorkspaceRole,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { errorMessage, formatTimestamp, shortRef } from '../../lib/format';
import { ConfirmDialog } from '../ConfirmDialog';
import { Section } from './Section';

type Row = WorkspaceMember & { id: string };

const ROLE_OPTIONS = WORKSPACE_ROLES.map(role => ({ id: role, label: role }));

/**
 * The members of a workspace (users and groups) with their roles. With
 * `canManage` (`sandbox.workspace.manage` on the workspace) each role can be
 * changed in place, a member removed (after confirmation) and a member added.
 */
export function WorkspaceMembers(props: {
  workspace: WorkspaceDetails;
  canManage: boolean;
  onChanged: () => void;
}) {
  const { workspace, canManage, onChanged } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [removing, setRemoving] = useState<string | undefined>();
  const [newRef, setNewRef] = useState('');
  const [newRole, setNewRole] = useState<WorkspaceRole>('member');

  const call = async (memberRef: string, what: string, action: () => Promise<unknown>) => {
    setBusy(memberRef);
    setError(undefined);
    try {
      await action();
      onChanged();
      return true;
    } catch (e) {
      setError(`Could not ${what} ${memberRef}: ${errorMessage(e)}`);
      return false;
    } finally {
      setBusy(undefined);
    }
  };

  const setRole = (memberRef: string, role: WorkspaceRole) =>
    call(memberRef, 'change the role of', () =>
      sandboxApi.setWorkspaceMember(workspace.name, memberRef, role),
    );

  const remove = (memberRef: string) => {
    setRemoving(undefined);
    return call(memberRef, 'remove', () =>
      sandboxApi.removeWorkspaceMember(workspace.name, memberRef),
    );
  };

  const add = async () => {
    const memberRef = newRef.trim();
    const parsed = memberRefSchema.safeParse(memberRef);
    if (!parsed.success) {
      setError(`Member: ${parsed.error.issues[0]?.message ?? 'invalid entity ref'}`);
      return;
    }
    if (
      await call(memberRef, 'add', () =>
        sandboxApi.setWorkspaceMember(workspace.name, memberRef, newRole),
      )
    ) {
      setNewRef('');
      setNewRole('member');
    }
  };

  const rows = useMemo(
    () => workspace.members.map(member => ({ ...member, id: member.memberRef })),
    [workspace.members],
  );

  const columns: ColumnConfig<Row>[] = [
    {
      id: 'member',
      label: 'Member',
      isRowHeader: true,
      cell: m => (
        <CellText
          title={shortRef(m.memberRef)}
          description={m.memberRef.toLowerCase().startsWith('group:') ? 'group' : 'user'}
        />
      ),
    },
    {
      id: 'role',
      label: 'Role',
      cell: m =>
        canManage ? (
          <Cell>
            <Select
              aria-label={`Role of ${m.memberRef}`}
              value={m.role}
              isDisabled={busy === m.memberRef}
              onChange={key =>
                key !== null && key !== m.role && setRole(m.memberRef, key as WorkspaceRole)
              }
              options={ROLE_OPTIONS}
            />
          </Cell>
        ) : (
          <CellText title={m.role} />
        ),
    },
    {
      id: 'added',
      label: 'Added',
      cell: m => (
        <CellText title={formatTimestamp(m.addedAt)} description={`by ${shortRef(m.addedBy)}`} />
      ),
    },
    {
      id: 'actions',
      label: '',
      isHidden: !canManage,
      cell: m => (
        <Cell>
          <Button
            size="small"
            variant="secondary"
            destructive
            aria-label={`Remove ${m.memberRef}`}
            isDisabled={busy === m.memberRef}
            onPress={() => setRemoving(m.memberRef)}
          >
            Remove
          </Button>
        </Cell>
      ),
    },
  ];

  return (
    <Section title="Members">
      <Flex direction="column" gap="3">
        {error && <Alert status="danger" title={error} />}
        <Table<Row>
          columnConfig={columns}
          data={rows}
          pagination={{ type: 'none' }}
          emptyState={<Text>No members.</Text>}
        />
        {canManage && (
          <Flex gap="3" align="end">
            <TextField
              label="Add member"
              placeholder="user:default/bob or group:default/team-b"
              value={newRef}
              onChange={setNewRef}
            />
            <Select
              label="Role"
              value={newRole}
              onChange={key => key !== null && setNewRole(key as WorkspaceRole)}
              options={ROLE_OPTIONS}
            />
            <Button
              variant="secondary"
              isDisabled={!newRef.trim()}
              isPending={busy === newRef.trim() && newRef.trim() !== ''}
              onPress={add}
            >
              Add member
            </Button>
          </Flex>
        )}
      </Flex>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove ${removing} from ${workspace.name}?`}
        confirmLabel="Remove member"
        onConfirm={() => removing && remove(removing)}
        onCancel={() => setRemoving(undefined)}
      >
        <Text>
          They lose the access this membership gave them. Sandboxes they own stay in the workspace.
        </Text>
      </ConfirmDialog>
    </Section>
  );
}
