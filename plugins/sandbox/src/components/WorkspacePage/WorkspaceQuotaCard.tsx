import type { ReactNode } from 'react';
import { Flex, Grid, Text } from '@backstage/ui';
import type { WorkspaceQuota } from '@internal/plugin-sandbox-common';
import { LIMIT_FIELDS } from './quota';
import { QuotaMeter } from './QuotaMeter';
import { Section } from './Section';

/**
 * Usage against the effective limits (plan defaults with overrides): a meter for
 * sandboxes, vCPU, memory and disk, and the lifetime and budget limits as text.
 */
export function WorkspaceQuotaCard(props: { quota: WorkspaceQuota; actions?: ReactNode }) {
  const { quota, actions } = props;
  const overridden = (key: string) => Object.prototype.hasOwnProperty.call(quota.overrides, key);
  return (
    <Section title={`Quota (${quota.plan} plan)`} actions={actions}>
      <Flex direction="column" gap="4">
        <Grid.Root columns={{ initial: '1', md: '2' }} gap="4">
          {LIMIT_FIELDS.filter(field => field.usage).map(field => (
            <Grid.Item key={field.key}>
              <QuotaMeter
                label={field.label}
                used={field.usage!(quota.usage)}
                limit={quota.limits[field.key]}
                format={field.format}
                overridden={overridden(field.key)}
              />
            </Grid.Item>
          ))}
        </Grid.Root>
        <Grid.Root columns={{ initial: '1', md: '2' }} gap="4">
          {LIMIT_FIELDS.filter(field => !field.usage).map(field => (
            <Grid.Item key={field.key}>
              <Flex direction="column" gap="1">
                <Text variant="body-small" color="secondary">
                  {field.key === 'maxLifetimeSeconds' ? 'Longest sandbox lifetime' : field.label}
                  {overridden(field.key) && ' (override)'}
                </Text>
                <Text>{field.format(quota.limits[field.key])}</Text>
              </Flex>
            </Grid.Item>
          ))}
        </Grid.Root>
      </Flex>
    </Section>
  );
}
