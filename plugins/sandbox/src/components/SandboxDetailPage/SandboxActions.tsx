import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { Alert, Button, Flex, Text } from '@backstage/ui';
import {
  sandboxDeletePermission,
  sandboxUpdatePermission,
  type Sandbox,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { canDelete, canPause, canResume, canStart, canStop } from '../../lib/actions';
import { errorMessage } from '../../lib/format';
import { ConfirmDialog } from './ConfirmDialog';

export { canDelete, canStart, canStop } from '../../lib/actions';

type Action = 'start' | 'stop' | 'pause' | 'resume' | 'delete';

/**
 * Start / Stop / Pause or Resume / Delete. A button is hidden when the user lacks
 * the permission for the sandbox and disabled when the sandbox's state does not
 * allow it; Resume replaces Pause while the sandbox is paused. Stop and Delete ask
 * for confirmation first.
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
        pause: () => sandboxApi.pauseSandbox(sandbox.id),
        resume: () => sandboxApi.resumeSandbox(sandbox.id),
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
        {update.allowed && canResume(sandbox) && (
          <Button
            variant="secondary"
            isDisabled={busy}
            isPending={running === 'resume'}
            onPress={() => run('resume')}
          >
            Resume
          </Button>
        )}
        {update.allowed && !canResume(sandbox) && (
          <Button
            variant="secondary"
            isDisabled={busy || !canPause(sandbox)}
            isPending={running === 'pause'}
            onPress={() => run('pause')}
          >
            Pause
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
