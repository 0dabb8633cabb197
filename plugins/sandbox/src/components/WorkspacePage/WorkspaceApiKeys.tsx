import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Button,
  Cell,
  CellText,
  ColumnConfig,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
  Table,
  Text,
  TextField,
} from '@backstage/ui';
import {
  createApiKeyRequestSchema,
  formatZodError,
  type CreateApiKeyRequest,
  type CreatedApiKey,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type WorkspaceApiKey } from '../../api';
import { errorMessage, formatTimestamp, shortRef } from '../../lib/format';
import { ConfirmDialog } from '../ConfirmDialog';
import { Section } from './Section';

const DAY_MS = 24 * 3600_000;

/** `revoked`, `expired` or `active`. */
export function keyStatus(key: WorkspaceApiKey, now: number = Date.now()): string {
  if (key.revokedAt) {
    return 'revoked';
  }
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) {
    return 'expired';
  }
  return 'active';
}

/**
 * The body of `POST /workspaces/:name/api-keys` from the dialog's fields, or an
 * error text: a name is needed, and the expiry is a whole number of days > 0 or
 * empty (no expiry).
 */
export function apiKeyRequestFrom(
  name: string,
  expiresInDays: string,
  now: number = Date.now(),
): CreateApiKeyRequest | string {
  const trimmed = name.trim();
  if (!trimmed) {
    return 'Name: give the key a name, e.g. the tool that uses it';
  }
  const request: CreateApiKeyRequest = { name: trimmed };
  const days = expiresInDays.trim();
  if (days) {
    if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 3650) {
      return 'Expires after: enter a whole number of days from 1 to 3650, or leave it empty';
    }
    request.expiresAt = new Date(now + Number(days) * DAY_MS).toISOString();
  }
  const parsed = createApiKeyRequestSchema.safeParse(request);
  if (!parsed.success) {
    return formatZodError(parsed.error);
  }
  return request;
}

/**
 * The workspace's API keys (used by tools such as an OpenHands server, sent as
 * `X-API-Key`): list, create (the key is shown once, with a copy button) and
 * revoke after confirmation. Rendered for workspace admins only
 * (`sandbox.workspace.manage`).
 */
export function WorkspaceApiKeys(props: { workspace: string }) {
  const { workspace } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const { value, error, retry } = useAsyncRetry(
    () => sandboxApi.listApiKeys(workspace),
    [sandboxApi, workspace],
  );
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [expiresInDays, setExpiresInDays] = useState('');
  const [formError, setFormError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | undefined>();
  const [copied, setCopied] = useState<boolean | undefined>();
  const [revoking, setRevoking] = useState<WorkspaceApiKey | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();

  const openCreate = () => {
    setName('');
    setExpiresInDays('');
    setFormError(undefined);
    setCreating(true);
  };

  const create = async () => {
    const request = apiKeyRequestFrom(name, expiresInDays);
    if (typeof request === 'string') {
      setFormError(request);
      return;
    }
    setSaving(true);
    try {
      const result = await sandboxApi.createApiKey(workspace, request);
      setCreating(false);
      setCopied(undefined);
      setCreated(result);
      retry();
    } catch (e) {
      setFormError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const copy = async () => {
    try {
      await window.navigator.clipboard.writeText(created!.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  const revoke = async () => {
    const key = revoking;
    if (!key) {
      return;
    }
    setRevoking(undefined);
    setBusy(key.id);
    setActionError(undefined);
    try {
      await sandboxApi.revokeApiKey(workspace, key.id);
      retry();
    } catch (e) {
      setActionError(`Could not revoke ${key.name}: ${errorMessage(e)}`);
    } finally {
      setBusy(undefined);
    }
  };

  const columns: ColumnConfig<WorkspaceApiKey>[] = [
    {
      id: 'name',
      label: 'Name',
      isRowHeader: true,
      cell: k => <CellText title={k.name} description={`${k.prefix}…`} />,
    },
    {
      id: 'created',
      label: 'Created',
      cell: k => (
        <CellText title={formatTimestamp(k.createdAt)} description={`by ${shortRef(k.createdBy)}`} />
      ),
    },
    {
      id: 'expires',
      label: 'Expires',
      cell: k => <CellText title={k.expiresAt ? formatTimestamp(k.expiresAt) : 'never'} />,
    },
    {
      id: 'used',
      label: 'Last used',
      cell: k => <CellText title={k.lastUsedAt ? formatTimestamp(k.lastUsedAt) : 'never'} />,
    },
    { id: 'status', label: 'Status', cell: k => <CellText title={keyStatus(k)} /> },
    {
      id: 'actions',
      label: '',
      cell: k => (
        <Cell>
          {!k.revokedAt && (
            <Button
              size="small"
              variant="secondary"
              destructive
              aria-label={`Revoke ${k.name}`}
              isPending={busy === k.id}
              isDisabled={busy !== undefined}
              onPress={() => setRevoking(k)}
            >
              Revoke
            </Button>
          )}
        </Cell>
      ),
    },
  ];

  return (
    <Section
      title="API keys"
      actions={
        <Button variant="secondary" size="small" onPress={openCreate}>
          Create API key
        </Button>
      }
    >
      <Flex direction="column" gap="3">
        <Text variant="body-small" color="secondary">
          Keys let tools (e.g. an OpenHands server) create and drive sandboxes of this workspace,
          sent as the X-API-Key header. The portal stores only a hash of each key.
        </Text>
        {error && (
          <Alert status="danger" title="Could not load the API keys" description={errorMessage(error)} />
        )}
        {actionError && <Alert status="danger" title={actionError} />}
        {value && (
          <Table<WorkspaceApiKey>
            columnConfig={columns}
            data={value}
            pagination={{ type: 'none' }}
            emptyState={<Text>No API keys.</Text>}
          />
        )}
      </Flex>
      <Dialog isOpen={creating} onOpenChange={isOpen => !isOpen && setCreating(false)}>
        <DialogHeader>{`New API key for ${workspace}`}</DialogHeader>
        <DialogBody>
          <Flex direction="column" gap="3">
            <TextField
              label="Name"
              placeholder="openhands-server"
              value={name}
              onChange={v => {
                setName(v);
                setFormError(undefined);
              }}
            />
            <TextField
              label="Expires after (days, empty: never)"
              value={expiresInDays}
              onChange={v => {
                setExpiresInDays(v);
                setFormError(undefined);
              }}
            />
            {formError && (
              <Alert status="danger" title="Could not create the key" description={formError} />
            )}
          </Flex>
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onPress={() => setCreating(false)}>
            Cancel
          </Button>
          <Button variant="primary" isPending={saving} onPress={create}>
            Create key
          </Button>
        </DialogFooter>
      </Dialog>
      <Dialog isOpen={created !== undefined} onOpenChange={isOpen => !isOpen && setCreated(undefined)}>
        <DialogHeader>{`API key ${created?.item.name}`}</DialogHeader>
        <DialogBody>
          <Flex direction="column" gap="3">
            <Alert
              status="warning"
              title="Copy the key now: it is shown only once"
              description="The portal keeps only a hash of it. If it is lost, revoke it and create another."
            />
            <pre
              data-testid="api-key-secret"
              style={{ margin: 0, padding: 8, overflowX: 'auto', userSelect: 'all' }}
            >
              {created?.key}
            </pre>
            {copied === true && <Text color="secondary">Copied to the clipboard.</Text>}
            {copied === false && (
              <Text color="secondary">Could not copy; select the key and copy it by hand.</Text>
            )}
          </Flex>
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onPress={copy}>
            Copy key
          </Button>
          <Button variant="primary" onPress={() => setCreated(undefined)}>
            Done
          </Button>
        </DialogFooter>
      </Dialog>
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke ${revoking?.name}?`}
        confirmLabel="Revoke key"
        onConfirm={revoke}
        onCancel={() => setRevoking(undefined)}
      >
        <Text>Tools using this key lose access at once. This cannot be undone.</Text>
      </ConfirmDialog>
    </Section>
  );
}
