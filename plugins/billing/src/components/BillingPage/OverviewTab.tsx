import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Flex, Grid, Skeleton, Text } from '@backstage/ui';
import { billingApiRef } from '../../api';
import { errorMessage, formatMoney, formatPeriod, formatQuantity, formatTime } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';
import { BudgetBar } from '../shared/BudgetBar';
import { InvoiceLinesTable } from '../shared/InvoiceLinesTable';
import { Section } from '../shared/Section';

/** Usage totals of a period by meter. */
export function meterTotals(days: { vcpuHours: number; memoryGiBHours: number; diskGiBHours: number }[]) {
  return days.reduce(
    (sum, d) => ({
      vcpuHours: sum.vcpuHours + d.vcpuHours,
      memoryGiBHours: sum.memoryGiBHours + d.memoryGiBHours,
      diskGiBHours: sum.diskGiBHours + d.diskGiBHours,
    }),
    { vcpuHours: 0, memoryGiBHours: 0, diskGiBHours: 0 },
  );
}

function Figure(props: { label: string; value: string }) {
  return (
    <Flex direction="column" gap="1">
      <Text variant="body-small" color="secondary">
        {props.label}
      </Text>
      <Text variant="title-small">{props.value}</Text>
    </Flex>
  );
}

/** The current period of one workspace: cost so far, usage by meter, lines, budget, subscription. */
export function OverviewTab(props: { workspace: string }) {
  const { workspace } = props;
  const billingApi = useApi(billingApiRef);
  const usage = useLoader(() => billingApi.getUsage(workspace), [billingApi, workspace]);
  const budget = useLoader(() => billingApi.getBudget(workspace), [billingApi, workspace]);
  const subscription = useLoader(() => billingApi.getSubscription(workspace), [billingApi, workspace]);

  const invoice = usage.value?.invoice;
  const currency = invoice?.currency ?? 'EUR';
  const totals = meterTotals(usage.value?.days ?? []);

  return (
    <Flex direction="column" gap="4">
      <Grid.Root columns={{ initial: '1', md: '2' }} gap="4">
        <Section title={usage.value ? `Cost so far, ${formatPeriod(usage.value.period)}` : 'Cost so far'}>
          {usage.error && (
            <Alert status="danger" title="Could not load usage" description={errorMessage(usage.error)} />
          )}
          {!usage.value && usage.loading && <Skeleton width="100%" height={48} />}
          {invoice && (
            <Flex direction="column" gap="3">
              <Grid.Root columns="3" gap="3">
                <Figure label="Total" value={formatMoney(invoice.totalMinor, currency)} />
                <Figure label="Subtotal" value={formatMoney(invoice.subtotalMinor, currency)} />
                <Figure label="Credits" value={formatMoney(-invoice.creditMinor, currency)} />
              </Grid.Root>
              <Grid.Root columns="3" gap="3">
                <Figure label="vCPU" value={`${formatQuantity(totals.vcpuHours)} vCPU-h`} />
                <Figure label="Memory" value={`${formatQuantity(totals.memoryGiBHours)} GiB-h`} />
                <Figure label="Disk" value={`${formatQuantity(totals.diskGiBHours)} GiB-h`} />
              </Grid.Root>
            </Flex>
          )}
        </Section>
        <Section title="Budget and subscription">
          <Flex direction="column" gap="3">
            {budget.error && (
              <Alert status="danger" title="Could not load the budget" description={errorMessage(budget.error)} />
            )}
            {budget.value && <BudgetBar budget={budget.value} currency={currency} />}
            {subscription.error && (
              <Alert
                status="danger"
                title="Could not load the subscription"
                description={errorMessage(subscription.error)}
              />
            )}
            {subscription.value && (
              <Grid.Root columns="2" gap="3">
                <Figure label="Plan" value={subscription.value.plan} />
                <Figure label="Status" value={subscription.value.status.replace('_', ' ')} />
                <Figure label="Since" value={formatTime(subscription.value.since)} />
                {subscription.value.trialEndsAt && (
                  <Figure label="Trial ends" value={formatTime(subscription.value.trialEndsAt)} />
                )}
              </Grid.Root>
            )}
          </Flex>
        </Section>
      </Grid.Root>
      <Section title="Invoice lines so far">
        {invoice ? (
          <InvoiceLinesTable lines={invoice.lines} currency={currency} />
        ) : (
          <Text color="secondary">{usage.loading ? 'Loading…' : 'No usage data.'}</Text>
        )}
      </Section>
    </Flex>
  );
}
