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
  TextField,
} from '@backstage/ui';
import {
  PLAN_NAMES,
  createWorkspaceRequestSchema,
  formatZodError,
  type CreateWorkspaceRequest,
  type PlanName,
  type WorkspaceDetails,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { errorMessage } from '../../lib/format';

/**
 * Asks for name, title, plan and backing group, checks them with the shared
 * schema and posts `POST /workspaces`. Empty optional fields are left out of
 * the body.
 */
export function CreateWorkspaceDialog(props: {
  open: boolean;
  onClose: () => void;
  onCreated: (workspace: WorkspaceDetails) => void;
}) {
  const { open, onClose, onCreated } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [plan, setPlan] = useState<PlanName>('free');
  const [backingGroup, setBackingGroup] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const reset = () => {
    setName('');
    setTitle('');
    setPlan('free');
    setBackingGroup('');
    setError(undefined);
  };

  const close = () => {
    reset();
    onClose();
  };

  const submit = async () => {
    const request: CreateWorkspaceRequest = {
      name: name.trim(),
      plan,
      ...(title.trim() && { title: title.trim() }),
      ...(backingGroup.trim() && { backingGroup: backingGroup.trim() }),
    };
    const parsed = createWorkspaceRequestSchema.safeParse(request);
    if (!parsed.success) {
      setError(formatZodError(parsed.error));
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const created = await sandboxApi.createWorkspace(request);
      reset();
      onCreated(created);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog isOpen={open} onOpenChange={isOpen => !isOpen && close()}>
      <DialogHeader>Create workspace</DialogHeader>
      <DialogBody>
        <Flex direction="column" gap="3">
          <TextField
            label="Name"
            description="Lowercase letters, digits and dashes; it cannot be changed later."
            placeholder="team-a"
            isRequired
            value={name}
            onChange={setName}
          />
          <TextField label="Title" placeholder="Team A" value={title} onChange={setTitle} />
          <Select
            label="Plan"
            value={plan}
            onChange={key => key !== null && setPlan(key as PlanName)}
            options={PLAN_NAMES.map(p => ({ id: p, label: p }))}
          />
          <TextField
            label="Backing group"
            description="Optional catalog group whose members join the workspace."
            placeholder="group:default/team-a"
            value={backingGroup}
            onChange={setBackingGroup}
          />
          {error && (
            <Alert status="danger" title="Could not create the workspace" description={error} />
          )}
        </Flex>
      </DialogBody>
      <DialogFooter>
        <Button variant="secondary" onPress={close}>
          Cancel
        </Button>
        <Button variant="primary" isPending={saving} onPress={submit}>
          Create
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
