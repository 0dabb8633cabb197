import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Button,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
  Select,
  Text,
} from '@backstage/ui';
import {
  SANDBOX_SIZES,
  sandboxDeletePermission,
  sandboxUpdatePermission,
  type Sandbox,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import {
  canDelete,
  canPause,
  canResize,
  canResume,
  canStart,
  canStop,
} from '../../lib/actions';
import { errorMessage, formatSize } from '../../lib/format';
import { ConfirmDialog } from '../ConfirmDialog';

type Action = 'start' | 'stop' | 'pause' | 'resume' | 'resize' | 'delete';

/**
 * The lifecycle actions of one table row. Only what the user may do (permission
 * on the sandbox id) and what the state allows is shown: Start (stopped, failed),
 * Stop (running, confirmed), Pause (running), Resume (paused), Resize (stopped,
 * choosing a size) and Delete (confirmed).
 */
export function SandboxRowActions(props: {
  sandbox: Sandbox;
  onChanged: () => void;
  onError: (message: string | undefined) => void;
}) {
  const { sandbox, onChanged, onError } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const update = usePermission({ permission: sandboxUpdatePermission, resourceRef: sandbox.id });
  const remove = usePermission({ permission: sandboxDeletePermission, resourceRef: sandbox.id });
  const [dialog, setDialog] = useState<'stop' | 'resize' | 'delete' | undefined>();
  const [running, setRunning] = useState<Action | undefined>();
  const [size, setSize] = useState(sandbox.size.name);

  const run = async (action: Action) => {
    setDialog(undefined);
    setRunning(action);
    onError(undefined);
    try {
      const calls = {
        start: () => sandboxApi.startSandbox(sandbox.id),
        stop: () => sandboxApi.stopSandbox(sandbox.id),
        pause: () => sandboxApi.pauseSandbox(sandbox.id),
        resume: () => sandboxApi.resumeSandbox(sandbox.id),
        resize: () => sandboxApi.resizeSandbox(sandbox.id, size),
        delete: () => sandboxApi.deleteSandbox(sandbox.id),
      };
      await calls[action]();
      onChanged();
    } catch (e) {
      onError(`Could not ${action} ${sandbox.name}: ${errorMessage(e)}`);
    } finally {
      setRunning(undefined);
    }
  };

  const busy = running !== undefined;
  const buttons = [
    update.allowed && canStart(sandbox) && (
      <Button
        key="start"
        size="small"
        variant="secondary"
        aria-label={`Start ${sandbox.name}`}
        isDisabled={busy}
        isPending={running === 'start'}
        onPress={() => run('start')}
      >
        Start
      </Button>
    ),
    update.allowed && canStop(sandbox) && (
      <Button
        key="stop"
        size="small"
        variant="secondary"
        aria-label={`Stop ${sandbox.name}`}
        isDisabled={busy}
        isPending={running === 'stop'}
        onPress={() => setDialog('stop')}
      >
        Stop
      </Button>
    ),
    update.allowed && canPause(sandbox) && (
      <Button
        key="pause"
        size="small"
        variant="secondary"
        aria-label={`Pause ${sandbox.name}`}
        isDisabled={busy}
        isPending={running === 'pause'}
        onPress={() => run('pause')}
      >
        Pause
      </Button>
    ),
    update.allowed && canResume(sandbox) && (
      <Button
        key="resume"
        size="small"
        variant="secondary"
        aria-label={`Resume ${sandbox.name}`}
        isDisabled={busy}
        isPending={running === 'resume'}
        onPress={() => run('resume')}
      >
        Resume
      </Button>
    ),
    update.allowed && canResize(sandbox) && (
      <Button
        key="resize"
        size="small"
        variant="secondary"
        aria-label={`Resize ${sandbox.name}`}
        isDisabled={busy}
        isPending={running === 'resize'}
        onPress={() => {
          setSize(sandbox.size.name);
          setDialog('resize');
        }}
      >
        Resize
      </Button>
    ),
    remove.allowed && canDelete(sandbox) && (
      <Button
        key="delete"
        size="small"
        variant="secondary"
        destructive
        aria-label={`Delete ${sandbox.name}`}
        isDisabled={busy}
        isPending={running === 'delete'}
        onPress={() => setDialog('delete')}
      >
        Delete
      </Button>
    ),
  ].filter(Boolean);

  if (buttons.length === 0) {
    return null;
  }

  return (
    <Flex gap="1">
      {buttons}
      <ConfirmDialog
        open={dialog === 'stop'}
        title={`Stop ${sandbox.name}?`}
        confirmLabel="Stop sandbox"
        onConfirm={() => run('stop')}
        onCancel={() => setDialog(undefined)}
      >
        <Text>
          Its processes end; the /workspace volume is kept and the sandbox can be started again.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete ${sandbox.name}?`}
        confirmLabel="Delete sandbox"
        onConfirm={() => run('delete')}
        onCancel={() => setDialog(undefined)}
      >
        <Text>The sandbox and its /workspace volume are removed. This cannot be undone.</Text>
      </ConfirmDialog>
      <Dialog isOpen={dialog === 'resize'} onOpenChange={open => !open && setDialog(undefined)}>
        <DialogHeader>{`Resize ${sandbox.name}`}</DialogHeader>
        <DialogBody>
          <Flex direction="column" gap="3">
            <Text>The new size applies when the sandbox is started again.</Text>
            <Select
              label="Size"
              value={size}
              onChange={key => key !== null && setSize(String(key))}
              options={Object.values(SANDBOX_SIZES).map(s => ({
                id: s.name,
                label: formatSize(s),
              }))}
            />
          </Flex>
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onPress={() => setDialog(undefined)}>
            Cancel
          </Button>
          <Button
            variant="primary"
            isDisabled={size === sandbox.size.name}
            onPress={() => run('resize')}
          >
            Resize sandbox
          </Button>
        </DialogFooter>
      </Dialog>
    </Flex>
  );
}
