import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Container, Flex, Header, Select, Tab, TabList, TabPanel, Tabs, Text } from '@backstage/ui';
import { PERIOD_PATTERN, type AllocationDimension } from '@internal/plugin-billing-common';
import { billingApiRef, type BillingWorkspace } from '../../api';
import { errorMessage } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';
import { AllocationTab, dimensionOptions } from './AllocationTab';
import { InvoicesTab } from './InvoicesTab';
import { OverviewTab } from './OverviewTab';
import { UsageTab } from './UsageTab';

export const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'usage', label: 'Usage over time' },
  { id: 'invoices', label: 'Invoices' },
  { id: 'allocation', label: 'Allocation' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/**
 * The workspaces to pick from: the sandbox backend's list when it answers, plus any workspace that
 * only billing knows (it has invoices), sorted by name.
 */
async function loadWorkspaces(billingApi: {
  listWorkspaces(): Promise<BillingWorkspace[]>;
  listInvoices(): Promise<{ workspace: string }[]>;
}): Promise<{ workspaces: BillingWorkspace[]; warning?: string }> {
  const [fromSandbox, fromInvoices] = await Promise.allSettled([
    billingApi.listWorkspaces(),
    billingApi.listInvoices(),
  ]);
  const byName = new Map<string, BillingWorkspace>();
  if (fromSandbox.status === 'fulfilled') {
    for (const ws of fromSandbox.value) byName.set(ws.name, ws);
  }
  if (fromInvoices.status === 'fulfilled') {
    for (const inv of fromInvoices.value) {
      if (!byName.has(inv.workspace)) byName.set(inv.workspace, { name: inv.workspace });
    }
  }
  if (fromSandbox.status === 'rejected' && fromInvoices.status === 'rejected') {
    throw fromSandbox.reason;
  }
  const workspaces = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  const warning =
    fromSandbox.status === 'rejected'
      ? `Workspaces from the sandbox backend are missing: ${errorMessage(fromSandbox.reason)}`
      : undefined;
  return { workspaces, warning };
}

/**
 * `/billing`: pick a workspace, then its current period (Overview), usage per day, invoices, and
 * the cost allocation across workspaces. Selections live in the query string, so links keep them.
 */
export function BillingPage() {
  const billingApi = useApi(billingApiRef);
  const [params, setParams] = useSearchParams();
  const loaded = useLoader(() => loadWorkspaces(billingApi), [billingApi]);

  const set = useCallback(
    (changes: Record<string, string | undefined>) =>
      setParams(
        prev => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined) next.delete(key);
            else next.set(key, value);
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  const workspaces = useMemo(() => loaded.value?.workspaces ?? [], [loaded.value]);
  const tab: TabId = TABS.some(t => t.id === params.get('tab')) ? (params.get('tab') as TabId) : 'overview';
  const workspace = params.get('workspace') ?? workspaces[0]?.name;
  // a malformed period in a pasted URL falls back to the current one
  const period = PERIOD_PATTERN.test(params.get('period') ?? '') ? params.get('period')! : undefined;
  const dimensions = dimensionOptions();
  const by = (dimensions.find(d => d.id === params.get('by')) ?? dimensions[0]).id;
  const invoice = params.get('invoice') ?? undefined;
  const onSelectInvoice = useCallback((id: string | undefined) => set({ invoice: id }), [set]);

  const options = workspaces.map(ws => ({
    id: ws.name,
    label: ws.title && ws.title !== ws.name ? `${ws.title} (${ws.name})` : ws.name,
  }));
  if (workspace && !options.some(o => o.id === workspace)) options.push({ id: workspace, label: workspace });

  const needsWorkspace = (content: JSX.Element) =>
    workspace ? (
      content
    ) : (
      <Text color="secondary">{loaded.loading ? 'Loading workspaces…' : 'No workspaces to show.'}</Text>
    );

  return (
    <>
      <Header title="Billing" description="Usage, cost, invoices and budgets of your workspaces." />
      <Container>
        <Flex direction="column" gap="4">
          {loaded.error && (
            <Alert status="danger" title="Could not load workspaces" description={errorMessage(loaded.error)} />
          )}
          {loaded.value?.warning && <Alert status="warning" title={loaded.value.warning} />}
          {tab !== 'allocation' && (
            <Flex>
              <Select
                label="Workspace"
                placeholder="Pick a workspace"
                value={workspace ?? null}
                options={options}
                onChange={key => key !== null && set({ workspace: String(key), invoice: undefined })}
              />
            </Flex>
          )}
          <Tabs
            selectedKey={tab}
            onSelectionChange={key => set({ tab: String(key), invoice: undefined })}
          >
            <TabList aria-label="Billing views">
              {TABS.map(t => (
                <Tab key={t.id} id={t.id}>
                  {t.label}
                </Tab>
              ))}
            </TabList>
            <TabPanel id="overview">{needsWorkspace(<OverviewTab workspace={workspace!} />)}</TabPanel>
            <TabPanel id="usage">
              {needsWorkspace(
                <UsageTab workspace={workspace!} period={period} onPeriodChange={p => set({ period: p })} />,
              )}
            </TabPanel>
            <TabPanel id="invoices">
              {needsWorkspace(
                <InvoicesTab
                  workspace={workspace!}
                  period={period}
                  onPeriodChange={p => set({ period: p })}
                  selected={invoice}
                  onSelect={onSelectInvoice}
                />,
              )}
            </TabPanel>
            <TabPanel id="allocation">
              <AllocationTab
                dimension={by}
                onDimensionChange={(d: AllocationDimension) => set({ by: d })}
                period={period}
                onPeriodChange={p => set({ period: p })}
              />
            </TabPanel>
          </Tabs>
        </Flex>
      </Container>
    </>
  );
}
