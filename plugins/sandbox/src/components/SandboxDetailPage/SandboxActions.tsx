import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { Alert, Button, Flex, Text } from '@backstage/ui';
import {
  canTransition,
  sandboxDeletePermission,
  sandboxUpdatePermission,
  type Sandbox,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { errorMessage, isTransitional } from '../../lib/format';
import { ConfirmDialog } from './ConfirmDialog';

type Action = 'start' | 'stop' | 'delete';

/**
 * Start only makes sense from a settled state (`stopped`, `failed`): from
 * `pending` the backend moves on to `provisioning` by itself.
 */
export function canStart(sandbox: Pick<Sandbox, 'state'>): boolean {
  return !isTransitional(sandbox.state) && canTransition(sandbox.state, 'provisioning');
}
export function canStop(sandbox: Pick<Sandbox, 'state'>): boolean {
  return canTransition(sandbox.state, 'stopping');
}
export function canDelete(sandbox: Pick<Sandbox, 'state'>): boolean {
  return canTransition(sandbox.state, 'deleting');
}

/**
 * Start / Stop / Delete. A button is hidden when the user lacks the permission
 * for the sandbox and disabled when the sandbox's state does not allow it.
 * Stop and Delete ask for confirmation first.
 */
export function SandboxActions(props: { sandbox: Sandbox; onChanged: (sandbox: Sandbox) => void }) {
  const { sandbox, onChanged } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const update = usePermission({ permission: sandboxUpdatePermission, resourceRef: sandbox.id });
  const remove = usePermission({ permission: sandboxDeletePermission, resourceRef: sandbox.id });

  const [confirming, setConfirming] = useState<Action | undefined>();
  const [running, setRunning] = useState<Action | undefined>();
  const [error, setError] = useState<string | undefined>();

  const run = async (action: Action) => {
    setConfirming(undefined);
    setRunning(action);
    setError(undefined);
    try {
      const calls = {
        start: () => sandboxApi.startSandbox(sandbox.id),
        stop: () => sandboxApi.stopSandbox(sandbox.id),
        delete: () => sandboxApi.deleteSandbox(sandbox.id),
      };
      onChanged(await calls[action]());
    } catch (e) {
      setError(`Could not ${action} ${sandbox.name}: ${errorMessage(e)}`);
    } finally {
      setRunning(undefined);
    }
  };

  if (!update.allowed && !remove.allowed) {
    return null;
  }
  const busy = running !== undefined;

  return (
    <Flex direction="column" gap="2" align="end">
      <Flex gap="2">
        {update.allowed && (
          <Button
            variant="secondary"
            isDisabled={busy || !canStart(sandbox)}
            isPending={running === 'start'}
            onPress={() => run('start')}
          >
            Start
          </Button>
        )}
        {update.allowed && (
          <Button
            variant="secondary"
            isDisabled={busy || !canStop(sandbox)}
            isPending={running === 'stop'}
            onPress={() => setConfirming('stop')}
          >
            Stop
          </Button>
        )}
        {remove.allowed && (
          <Button
            variant="secondary"
            destructive
            isDisabled={busy || !canDelete(sandbox)}
            isPending={running === 'delete'}
            onPress={() => setConfirming('delete')}
          >
            Delete
          </Button>
        )}
      </Flex>
      {error && <Alert status="danger" title={error} />}
      <ConfirmDialog
        open={confirming === 'stop'}
        title={`Stop ${sandbox.name}?`}
        confirmLabel="Stop sandbox"
        onConfirm={() => run('stop')}
        onCancel={() => setConfirming(undefined)}
      >
        <Text>
          Its processes end; the /workspace volume is kept and the sandbox can be started again.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === 'delete'}
        title={`Delete ${sandbox.name}?`}
        confirmLabel="Delete sandbox"
        onConfirm={() => run('delete')}
        onCancel={() => setConfirming(undefined)}
      >
        <Text>The sandbox and its /workspace volume are removed. This cannot be undone.</Text>
      </ConfirmDialog>
    </Flex>
  );
}
