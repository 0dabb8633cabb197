import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Button,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
  Select,
  Text,
  TextField,
} from '@backstage/ui';
import { PLAN_NAMES, type PlanName, type WorkspaceDetails } from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type UpdateWorkspaceRequest } from '../../api';
import { errorMessage } from '../../lib/format';
import { ConfirmDialog } from '../ConfirmDialog';

/**
 * Edit (title, description, plan) and Archive / Unarchive, for users with
 * `sandbox.workspace.manage` on the workspace. Archiving asks first.
 */
export function WorkspaceHeaderActions(props: {
  workspace: WorkspaceDetails;
  onChanged: (workspace: WorkspaceDetails) => void;
}) {
  const { workspace, onChanged } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const [dialog, setDialog] = useState<'archive' | 'edit' | undefined>();
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [title, setTitle] = useState(workspace.title);
  const [description, setDescription] = useState(workspace.description ?? '');
  const [plan, setPlan] = useState<PlanName>(workspace.plan);

  const run = async (what: string, call: () => Promise<WorkspaceDetails>) => {
    setDialog(undefined);
    setRunning(true);
    setError(undefined);
    try {
      onChanged(await call());
    } catch (e) {
      setError(`Could not ${what} ${workspace.name}: ${errorMessage(e)}`);
    } finally {
      setRunning(false);
    }
  };

  const openEdit = () => {
    setTitle(workspace.title);
    setDescription(workspace.description ?? '');
    setPlan(workspace.plan);
    setDialog('edit');
  };

  const saveEdit = () => {
    const changes: UpdateWorkspaceRequest = {};
    if (title.trim() && title.trim() !== workspace.title) {
      changes.title = title.trim();
    }
    if (description !== (workspace.description ?? '')) {
      changes.description = description;
    }
    if (plan !== workspace.plan) {
      changes.plan = plan;
    }
    if (Object.keys(changes).length === 0) {
      setDialog(undefined);
      return;
    }
    run('update', () => sandboxApi.updateWorkspace(workspace.name, changes));
  };

  return (
    <Flex direction="column" gap="2" align="end">
      <Flex gap="2">
        <Button variant="secondary" isDisabled={running} onPress={openEdit}>
          Edit
        </Button>
        {workspace.archived ? (
          <Button variant="secondary" isPending={running} onPress={() => setDialog('archive')}>
            Unarchive
          </Button>
        ) : (
          <Button
            variant="secondary"
            destructive
            isPending={running}
            onPress={() => setDialog('archive')}
          >
            Archive
          </Button>
        )}
      </Flex>
      {error && <Alert status="danger" title={error} />}
      <ConfirmDialog
        open={dialog === 'archive'}
        title={`${workspace.archived ? 'Unarchive' : 'Archive'} ${workspace.name}?`}
        confirmLabel={workspace.archived ? 'Unarchive workspace' : 'Archive workspace'}
        destructive={!workspace.archived}
        onConfirm={() =>
          workspace.archived
            ? run('unarchive', () => sandboxApi.unarchiveWorkspace(workspace.name))
            : run('archive', () => sandboxApi.archiveWorkspace(workspace.name))
        }
        onCancel={() => setDialog(undefined)}
      >
        <Text>
          {workspace.archived
            ? 'The workspace becomes active again.'
            : 'The workspace is marked archived. Its members, quota, sandboxes and history are kept, and it can be unarchived.'}
        </Text>
      </ConfirmDialog>
      <Dialog isOpen={dialog === 'edit'} onOpenChange={open => !open && setDialog(undefined)}>
        <DialogHeader>{`Edit ${workspace.name}`}</DialogHeader>
        <DialogBody>
          <Flex direction="column" gap="3">
            <TextField label="Title" value={title} onChange={setTitle} />
            <TextField label="Description" value={description} onChange={setDescription} />
            <Select
              label="Plan"
              value={plan}
              onChange={key => key !== null && setPlan(key as PlanName)}
              options={PLAN_NAMES.map(p => ({ id: p, label: p }))}
            />
          </Flex>
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onPress={() => setDialog(undefined)}>
            Cancel
          </Button>
          <Button variant="primary" onPress={saveEdit}>
            Save
          </Button>
        </DialogFooter>
      </Dialog>
    </Flex>
  );
}
