import type { ReactNode } from 'react';
import { Alert, Badge, Flex, Grid, Text } from '@backstage/ui';
import type { Sandbox } from '@internal/plugin-sandbox-common';
import {
  expiryTime,
  formatAge,
  formatDuration,
  formatMemory,
  formatTtlRemaining,
} from '../../lib/format';
import { SandboxStateStatus } from '../SandboxStateStatus';

function Field(props: { label: string; children: ReactNode }) {
  return (
    <Grid.Item>
      <Flex direction="column" gap="1">
        <Text as="div" variant="body-small" color="secondary">
          {props.label}
        </Text>
        <Text as="div">{props.children}</Text>
      </Flex>
    </Grid.Item>
  );
}

/** Everything known about a sandbox, as labelled fields. */
export function SandboxOverview(props: { sandbox: Sandbox; now: number }) {
  const { sandbox, now } = props;
  const expiry = expiryTime(sandbox);
  const labels = Object.entries(sandbox.labels);
  return (
    <Flex direction="column" gap="4">
      {sandbox.state === 'failed' && (
        <Alert
          status="danger"
          title="This sandbox failed"
          description={sandbox.reason ?? 'No reason was recorded.'}
        />
      )}
      <Grid.Root columns={{ initial: '1', sm: '2', md: '4' }} gap="4">
        <Field label="State">
          <SandboxStateStatus state={sandbox.state} />
        </Field>
        <Field label="Workspace">{sandbox.workspace}</Field>
        <Field label="Owner">{sandbox.owner}</Field>
        <Field label="Template">{sandbox.template}</Field>
        <Field label="Size">{sandbox.size.name}</Field>
        <Field label="vCPU">{sandbox.size.cpus}</Field>
        <Field label="Memory">{formatMemory(sandbox.size.memoryMiB)}</Field>
        <Field label="Disk">{sandbox.size.diskGiB} GiB</Field>
        <Field label="Image">{sandbox.image}</Field>
        <Field label="Repository">
          {sandbox.repo
            ? `${sandbox.repo.url}${sandbox.repo.ref ? ` @ ${sandbox.repo.ref}` : ''}`
            : 'none'}
        </Field>
        <Field label="Age">
          {formatAge(sandbox, now)} (created {new Date(sandbox.createdAt).toLocaleString()})
        </Field>
        <Field label="TTL remaining">
          {formatTtlRemaining(sandbox, now)}
          {expiry !== undefined && ` (expires ${new Date(expiry).toLocaleString()})`}
        </Field>
        <Field label="Idle timeout">
          {sandbox.idleTimeoutSeconds ? formatDuration(sandbox.idleTimeoutSeconds) : 'never'}
        </Field>
        <Field label="Network">{sandbox.network ? 'enabled' : 'none'}</Field>
        <Field label="Driver">{sandbox.driver}</Field>
        {sandbox.ownerGroup && <Field label="Owner group">{sandbox.ownerGroup}</Field>}
        {sandbox.state !== 'failed' && sandbox.reason && (
          <Field label="Last error">{sandbox.reason}</Field>
        )}
      </Grid.Root>
      <Flex direction="column" gap="1">
        <Text variant="body-small" color="secondary">
          Labels
        </Text>
        {labels.length === 0 ? (
          <Text>none</Text>
        ) : (
          <Flex gap="2" style={{ flexWrap: 'wrap' }}>
            {labels.map(([key, value]) => (
              <Badge key={key}>{`${key}=${value}`}</Badge>
            ))}
          </Flex>
        )}
      </Flex>
    </Flex>
  );
}
