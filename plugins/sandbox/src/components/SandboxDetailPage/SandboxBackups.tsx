import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  StatusError,
  StatusOK,
  StatusRunning,
} from '@backstage/core-components';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  Cell,
  CellText,
  ColumnConfig,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
  Link,
  Radio,
  RadioGroup,
  Table,
  Text,
  TextField,
} from '@backstage/ui';
import {
  sandboxBackupCreatePermission,
  sandboxBackupDeletePermission,
  sandboxBackupReadPermission,
  sandboxBackupRestorePermission,
  sandboxNameSchema,
  type Backup,
  type Sandbox,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { canBackUp } from '../../lib/actions';
import {
  POLL_INTERVAL_MS,
  errorMessage,
  formatBytes,
  formatDuration,
  formatTimestamp,
  shortRef,
} from '../../lib/format';
import { sandboxRouteRef } from '../../routes';
import { ConfirmDialog } from './ConfirmDialog';

type Target = 'new' | 'in-place';

/** The state of a backup with its colour; a failed one shows why. */
function BackupStateCell(props: { backup: Backup }) {
  const { backup } = props;
  if (backup.state === 'complete') {
    return <StatusOK>complete</StatusOK>;
  }
  if (backup.state === 'in_progress') {
    return <StatusRunning>in progress</StatusRunning>;
  }
  return (
    <StatusError>
      {backup.error ? `failed: ${backup.error}` : 'failed'}
    </StatusError>
  );
}

/** `850 ms` under a second, else `42s`, `5m`, ... */
function formatMillis(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms / 1000);
}

/** `verified, sha256 0123abcd…` for a complete backup; the manifest is checked after writing. */
function verification(backup: Backup): string {
  if (backup.state !== 'complete') {
    return '—';
  }
  return backup.sha256
    ? `verified, sha256 ${backup.sha256.slice(0, 12)}…`
    : 'verified';
}

/**
 * The backups of a sandbox's /workspace: list (newest first), "Back up now",
 * restore into a new sandbox or in place (only while the sandbox is stopped), and
 * delete after confirmation. Polls while a backup is in progress. Each action is
 * hidden without its permission (`sandbox.backup.*` on the sandbox id); the card
 * is hidden without `sandbox.backup.read`.
 */
export function SandboxBackups(props: {
  sandbox: Sandbox;
  onChanged: () => void;
}) {
  const { sandbox, onChanged } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const sandboxLink = useRouteRef(sandboxRouteRef);
  const read = usePermission({
    permission: sandboxBackupReadPermission,
    resourceRef: sandbox.id,
  });
  const create = usePermission({
    permission: sandboxBackupCreatePermission,
    resourceRef: sandbox.id,
  });
  const restore = usePermission({
    permission: sandboxBackupRestorePermission,
    resourceRef: sandbox.id,
  });
  const remove = usePermission({
    permission: sandboxBackupDeletePermission,
    resourceRef: sandbox.id,
  });

  const { value, loading, error, retry } = useAsyncRetry(
    async () => (read.allowed ? sandboxApi.listBackups(sandbox.id) : undefined),
    [sandboxApi, sandbox.id, read.allowed],
  );
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<
    | { status: 'success' | 'danger'; title: string; sandboxId?: string }
    | undefined
  >();
  const [deleting, setDeleting] = useState<Backup | undefined>();
  const [restoring, setRestoring] = useState<Backup | undefined>();
  const [target, setTarget] = useState<Target>('new');
  const [newName, setNewName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();

  const inProgress =
    creating || (value?.some(b => b.state === 'in_progress') ?? false);
  useInterval(retry, read.allowed && inProgress ? POLL_INTERVAL_MS : null);

  const backUp = async () => {
    setCreating(true);
    setMessage(undefined);
    const pending = sandboxApi.createBackup(sandbox.id);
    // The backend lists the backup as in progress while it is written.
    retry();
    try {
      const backup = await pending;
      setMessage({
        status: 'success',
        title: `Backup ${backup.id} complete${
          backup.sizeBytes !== null ? ` (${formatBytes(backup.sizeBytes)})` : ''
        }`,
      });
    } catch (e) {
      setMessage({
        status: 'danger',
        title: `Could not back up ${sandbox.name}: ${errorMessage(e)}`,
      });
    } finally {
      setCreating(false);
      retry();
    }
  };

  const openRestore = (backup: Backup) => {
    setRestoring(backup);
    setTarget('new');
    setNewName(`${sandbox.name}-restored`.slice(0, 63));
    setNameError(undefined);
  };

  const runRestore = async () => {
    const backup = restoring;
    if (!backup) {
      return;
    }
    let request: { target: 'new'; name: string } | { target: 'in-place' };
    if (target === 'new') {
      const parsed = sandboxNameSchema.safeParse(newName.trim());
      if (!parsed.success) {
        setNameError(parsed.error.issues[0]?.message ?? 'invalid name');
        return;
      }
      request = { target: 'new', name: parsed.data };
    } else {
      request = { target: 'in-place' };
    }
    setRestoring(undefined);
    setBusy(backup.id);
    setMessage(undefined);
    try {
      const restored = await sandboxApi.restoreBackup(backup.id, request);
      if (request.target === 'new') {
        setMessage({
          status: 'success',
          title: `Backup ${backup.id} restored into the new sandbox ${restored.name}`,
          sandboxId: restored.id,
        });
      } else {
        setMessage({
          status: 'success',
          title: `Backup ${backup.id} restored into ${sandbox.name}`,
        });
        onChanged();
      }
    } catch (e) {
      setMessage({
        status: 'danger',
        title: `Could not restore backup ${backup.id}: ${errorMessage(e)}`,
      });
    } finally {
      setBusy(undefined);
    }
  };

  const runDelete = async () => {
    const backup = deleting;
    if (!backup) {
      return;
    }
    setDeleting(undefined);
    setBusy(backup.id);
    setMessage(undefined);
    try {
      await sandboxApi.deleteBackup(backup.id);
      retry();
    } catch (e) {
      setMessage({
        status: 'danger',
        title: `Could not delete backup ${backup.id}: ${errorMessage(e)}`,
      });
    } finally {
      setBusy(undefined);
    }
  };

  const inPlaceAllowed = sandbox.state === 'stopped';

  const columns: ColumnConfig<Backup>[] = [
    {
      id: 'created',
      label: 'Created',
      isRowHeader: true,
      cell: b => (
        <CellText
          title={formatTimestamp(b.createdAt)}
          description={b.trigger}
        />
      ),
    },
    {
      id: 'by',
      label: 'By',
      cell: b => <CellText title={shortRef(b.createdBy)} />,
    },
    {
      id: 'size',
      label: 'Size',
      cell: b => (
        <CellText
          title={b.sizeBytes !== null ? formatBytes(b.sizeBytes) : '—'}
        />
      ),
    },
    {
      id: 'duration',
      label: 'Duration',
      cell: b => (
        <CellText
          title={
            b.durationMs !== undefined ? formatMillis(b.durationMs) : '—'
          }
        />
      ),
    },
    {
      id: 'verified',
      label: 'Verified',
      cell: b => <CellText title={verification(b)} />,
    },
    {
      id: 'state',
      label: 'State',
      cell: b => (
        <Cell>
          <BackupStateCell backup={b} />
        </Cell>
      ),
    },
    {
      id: 'actions',
      label: '',
      isHidden: !restore.allowed && !remove.allowed,
      cell: b => (
        <Cell>
          <Flex gap="1">
            {restore.allowed && b.state === 'complete' && (
              <Button
                size="small"
                variant="secondary"
                aria-label={`Restore ${b.id}`}
                isDisabled={busy !== undefined}
                isPending={busy === b.id}
                onPress={() => openRestore(b)}
              >
                Restore
              </Button>
            )}
            {remove.allowed && b.state !== 'in_progress' && (
              <Button
                size="small"
                variant="secondary"
                destructive
                aria-label={`Delete ${b.id}`}
                isDisabled={busy !== undefined}
                onPress={() => setDeleting(b)}
              >
                Delete
              </Button>
            )}
          </Flex>
        </Cell>
      ),
    },
  ];

  if (!read.allowed) {
    return null;
  }

  return (
    <Card>
      <CardHeader>
        <Flex justify="between" align="center">
          <Text as="h3" variant="title-x-small">
            Backups
          </Text>
          <Flex gap="2">
            <Button
              variant="tertiary"
              size="small"
              isPending={loading && !creating}
              onPress={retry}
            >
              Refresh backups
            </Button>
            {create.allowed && (
              <Button
                variant="secondary"
                size="small"
                isDisabled={!canBackUp(sandbox)}
                isPending={creating}
                onPress={backUp}
              >
                Back up now
              </Button>
            )}
          </Flex>
        </Flex>
      </CardHeader>
      <CardBody>
        <Flex direction="column" gap="3">
          {message && (
            <Alert
              status={message.status}
              title={message.title}
              description={
                message.sandboxId ? (
                  <Link href={sandboxLink?.({ id: message.sandboxId })}>
                    Open the new sandbox
                  </Link>
                ) : undefined
              }
            />
          )}
          {error && (
            <Alert
              status="danger"
              title="Could not load backups"
              description={errorMessage(error)}
            />
          )}
          {value && (
            <Table<Backup>
              columnConfig={columns}
              data={value}
              pagination={{ type: 'none' }}
              emptyState={<Text>No backups of this sandbox yet.</Text>}
            />
          )}
        </Flex>
      </CardBody>
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete backup ${deleting?.id}?`}
        confirmLabel="Delete backup"
        onConfirm={runDelete}
        onCancel={() => setDeleting(undefined)}
      >
        <Text>Its stored data is removed. This cannot be undone.</Text>
      </ConfirmDialog>
      <Dialog
        isOpen={restoring !== undefined}
        onOpenChange={isOpen => !isOpen && setRestoring(undefined)}
      >
        <DialogHeader>{`Restore backup ${restoring?.id}`}</DialogHeader>
        <DialogBody>
          <Flex direction="column" gap="3">
            <RadioGroup
              label="Restore into"
              value={target}
              onChange={next => setTarget(next as Target)}
            >
              <Radio value="new">A new sandbox</Radio>
              {inPlaceAllowed && (
                <Radio value="in-place">{`${sandbox.name}, in place`}</Radio>
              )}
            </RadioGroup>
            {!inPlaceAllowed && (
              <Text variant="body-small" color="secondary">
                Stop the sandbox to restore in place.
              </Text>
            )}
            {target === 'new' ? (
              <TextField
                label="Name of the new sandbox"
                value={newName}
                onChange={v => {
                  setNewName(v);
                  setNameError(undefined);
                }}
              />
            ) : (
              <Text>
                The /workspace of {sandbox.name} is replaced by the backup's
                content. Files written since the backup are lost.
              </Text>
            )}
            {nameError && (
              <Alert status="danger" title={`Name: ${nameError}`} />
            )}
          </Flex>
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onPress={() => setRestoring(undefined)}>
            Cancel
          </Button>
          <Button
            variant="primary"
            destructive={target === 'in-place'}
            onPress={runRestore}
          >
            {target === 'new' ? 'Restore into new sandbox' : 'Restore in place'}
          </Button>
        </DialogFooter>
      </Dialog>
    </Card>
  );
}
