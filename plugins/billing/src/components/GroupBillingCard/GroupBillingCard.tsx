import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Alert, Card, CardBody, CardHeader, Flex, Link, Text } from '@backstage/ui';
import type { BudgetStatus } from '@internal/plugin-billing-common';
import { billingApiRef, type BillingApi } from '../../api';
import { rootRouteRef } from '../../routes';
import { errorMessage, formatMoney, formatPeriod } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';
import { BudgetBar } from '../shared/BudgetBar';

interface WorkspaceCost {
  name: string;
  title?: string;
  costMinor?: number;
  currency?: string;
  period?: string;
  budget?: BudgetStatus;
  error?: string;
}

/** The group's workspaces (those it backs) with this period's cost and budget status. */
export async function loadGroupCosts(billingApi: BillingApi, groupRef: string): Promise<WorkspaceCost[]> {
  const ref = groupRef.toLocaleLowerCase('en-US');
  const workspaces = (await billingApi.listWorkspaces()).filter(
    ws => ws.backingGroup?.toLocaleLowerCase('en-US') === ref && !ws.archived,
  );
  return Promise.all(
    workspaces.map(async ws => {
      try {
        const [usage, budget] = await Promise.all([billingApi.getUsage(ws.name), billingApi.getBudget(ws.name)]);
        return {
          name: ws.name,
          title: ws.title,
          costMinor: usage.invoice.totalMinor,
          currency: usage.invoice.currency,
          period: usage.period,
          budget,
        };
      } catch (e) {
        return { name: ws.name, title: ws.title, error: errorMessage(e) };
      }
    }),
  );
}

/** On a Group's page: what the group's workspaces cost so far this period, and their budgets. */
export function GroupBillingCard() {
  const { entity } = useEntity();
  const billingApi = useApi(billingApiRef);
  const billingLink = useRouteRef(rootRouteRef);
  const groupRef = stringifyEntityRef(entity);
  const { value, error, loading } = useLoader(() => loadGroupCosts(billingApi, groupRef), [billingApi, groupRef]);

  const priced = (value ?? []).filter(w => w.costMinor !== undefined);
  const currency = priced[0]?.currency ?? 'EUR';
  const total = priced.reduce((sum, w) => sum + (w.costMinor ?? 0), 0);
  const period = priced[0]?.period;

  let body: JSX.Element;
  if (error) {
    body = <Alert status="danger" title="Could not load billing" description={errorMessage(error)} />;
  } else if (!value) {
    body = <Text color="secondary">{loading ? 'Loading…' : ''}</Text>;
  } else if (value.length === 0) {
    body = <Text color="secondary">This group backs no workspaces.</Text>;
  } else {
    body = (
      <Flex direction="column" gap="3">
        <Flex direction="column" gap="1">
          <Text variant="body-small" color="secondary">
            {period ? `Cost so far, ${formatPeriod(period)}` : 'Cost so far'}
          </Text>
          <Text variant="title-small">{formatMoney(total, currency)}</Text>
        </Flex>
        {value.map(ws => (
          <Flex key={ws.name} direction="column" gap="1">
            <Flex justify="between" align="baseline">
              <Link href={billingLink ? `${billingLink()}?workspace=${encodeURIComponent(ws.name)}` : undefined}>
                {ws.title || ws.name}
              </Link>
              {ws.costMinor !== undefined && <Text>{formatMoney(ws.costMinor, ws.currency ?? currency)}</Text>}
            </Flex>
            {ws.error && <Text color="danger" variant="body-small">{ws.error}</Text>}
            {ws.budget && <BudgetBar budget={ws.budget} currency={ws.currency ?? currency} />}
          </Flex>
        ))}
      </Flex>
    );
  }

  return (
    <Card>
      <CardHeader>
        <Text as="h3" variant="title-x-small">
          Billing
        </Text>
      </CardHeader>
      <CardBody>{body}</CardBody>
    </Card>
  );
}
