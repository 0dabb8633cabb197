import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { Alert, Button, Flex, Grid, Text } from '@backstage/ui';
import { billingAdminPermission, type Invoice, type InvoiceStatus } from '@internal/plugin-billing-common';
import { billingApiRef, type InvoiceAction } from '../../api';
import { errorMessage, formatMoney, formatPeriod, formatTime } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';
import { ConfirmDialog } from '../shared/ConfirmDialog';
import { InvoiceLinesTable } from '../shared/InvoiceLinesTable';
import { Section } from '../shared/Section';

/** Which actions each state allows (the backend enforces the same). */
export const ACTIONS_BY_STATUS: Record<InvoiceStatus, InvoiceAction[]> = {
  draft: ['finalize', 'void'],
  finalized: ['pay', 'void'],
  paid: [],
  void: [],
};

const ACTION_TEXT: Record<
  InvoiceAction,
  { label: string; title: string; confirm: string; body: string; destructive?: boolean }
> = {
  finalize: {
    label: 'Finalize',
    title: 'Finalize this invoice?',
    confirm: 'Finalize',
    body: 'The invoice is rated one last time, numbered and frozen, then handed to the payment provider. This cannot be undone.',
  },
  pay: {
    label: 'Mark paid',
    title: 'Mark this invoice as paid?',
    confirm: 'Mark paid',
    body: 'Record that the payment for this invoice was received.',
  },
  void: {
    label: 'Void',
    title: 'Void this invoice?',
    confirm: 'Void invoice',
    body: 'A void invoice is never charged. This cannot be undone.',
    destructive: true,
  },
};

function Field(props: { label: string; value: string }) {
  return (
    <Flex direction="column" gap="1">
      <Text variant="body-small" color="secondary">
        {props.label}
      </Text>
      <Text>{props.value}</Text>
    </Flex>
  );
}

/**
 * One invoice: its lines and totals, and the state changes its status allows. The state
 * changes need `billing.admin`: disabled while the decision loads, hidden when denied.
 */
export function InvoiceDetail(props: { id: string; onBack: () => void; onChanged: (invoice: Invoice) => void }) {
  const { id, onBack, onChanged } = props;
  const billingApi = useApi(billingApiRef);
  const admin = usePermission({ permission: billingAdminPermission });
  const loaded = useLoader(() => billingApi.getInvoice(id), [billingApi, id]);
  const [updated, setUpdated] = useState<Invoice | undefined>();
  const [pending, setPending] = useState<InvoiceAction | undefined>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();
  const invoice = updated?.id === id ? updated : loaded.value;

  const run = async (action: InvoiceAction) => {
    setBusy(true);
    setActionError(undefined);
    try {
      const result = await billingApi.updateInvoice(id, action);
      setUpdated(result);
      onChanged(result);
    } catch (e) {
      setActionError(`${ACTION_TEXT[action].label} failed: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
      setPending(undefined);
    }
  };

  const back = (
    <Button variant="secondary" onPress={onBack}>
      Back to invoices
    </Button>
  );

  if (!invoice) {
    return (
      <Flex direction="column" gap="3">
        <Flex>{back}</Flex>
        {loaded.error ? (
          <Alert status="danger" title="Could not load the invoice" description={errorMessage(loaded.error)} />
        ) : (
          <Text color="secondary">Loading…</Text>
        )}
      </Flex>
    );
  }

  const actions = admin.loading || admin.allowed ? ACTIONS_BY_STATUS[invoice.status] : [];
  const text = pending && ACTION_TEXT[pending];
  return (
    <Flex direction="column" gap="4">
      <Flex justify="between" align="center">
        {back}
        <Flex gap="2">
          {actions.map(action => (
            <Button
              key={action}
              variant={action === 'void' ? 'secondary' : 'primary'}
              destructive={action === 'void'}
              isDisabled={busy || !admin.allowed}
              onPress={() => setPending(action)}
            >
              {ACTION_TEXT[action].label}
            </Button>
          ))}
        </Flex>
      </Flex>
      {actionError && <Alert status="danger" title={actionError} />}
      <Section title={`Invoice ${invoice.number ?? invoice.id}`}>
        <Flex direction="column" gap="4">
          <Grid.Root columns={{ initial: '2', md: '4' }} gap="3">
            <Field label="Status" value={invoice.status} />
            <Field label="Workspace" value={invoice.workspace} />
            <Field label="Period" value={formatPeriod(invoice.period)} />
            <Field label="Total" value={formatMoney(invoice.totalMinor, invoice.currency)} />
            <Field label="Subtotal" value={formatMoney(invoice.subtotalMinor, invoice.currency)} />
            <Field label="Credits" value={formatMoney(-invoice.creditMinor, invoice.currency)} />
            <Field label="Finalized" value={formatTime(invoice.finalizedAt)} />
            <Field label="Paid" value={formatTime(invoice.paidAt)} />
            {invoice.providerRef && <Field label="Payment reference" value={invoice.providerRef} />}
          </Grid.Root>
          <InvoiceLinesTable lines={invoice.lines} currency={invoice.currency} />
        </Flex>
      </Section>
      {text && (
        <ConfirmDialog
          open
          title={text.title}
          confirmLabel={text.confirm}
          destructive={text.destructive}
          busy={busy}
          onCancel={() => setPending(undefined)}
          onConfirm={() => run(pending!)}
        >
          <Text>{`${invoice.number ?? invoice.id} (${formatMoney(invoice.totalMinor, invoice.currency)}): ${text.body}`}</Text>
        </ConfirmDialog>
      )}
    </Flex>
  );
}
