import { Invoice } from '@internal/plugin-billing-common';
import Stripe from 'stripe';
import { handleStripeEvent, ManualInvoiceProvider, StripeProvider } from './payments';

const invoice: Invoice = {
  id: 'inv_team-a_2026-11',
  workspace: 'team-a',
  period: '2026-11',
  status: 'finalized',
  currency: 'EUR',
  number: 'INV-2026-11-team-a',
  lines: [
    { type: 'base_fee', plan: 'team', description: 'team plan', quantity: '1.0000', unit: 'month', unitPriceMinor: 2900, amountMinor: 2900 },
    { type: 'credit', plan: 'team', description: 'Credit applied', quantity: '1.0000', unit: 'credit', unitPriceMinor: -100, amountMinor: -100 },
  ],
  subtotalMinor: 2900,
  creditMinor: 100,
  totalMinor: 2800,
};

function fakeStripe(existingCustomer?: { id: string }) {
  const real = new Stripe('sk_test_123');
  return {
    webhooks: real.webhooks,
    customers: {
      search: jest.fn().mockResolvedValue({ data: existingCustomer ? [existingCustomer] : [] }),
      create: jest.fn().mockResolvedValue({ id: 'cus_new' }),
    },
    invoices: {
      create: jest.fn().mockResolvedValue({ id: 'in_123' }),
      finalizeInvoice: jest.fn().mockResolvedValue({ id: 'in_123', status: 'open' }),
    },
    invoiceItems: { create: jest.fn().mockResolvedValue({}) },
  };
}

describe('StripeProvider', () => {
  it('creates the customer, invoice, one item per line and finalizes, all idempotent', async () => {
    const stripe = fakeStripe();
    const provider = new StripeProvider({ stripe: stripe as unknown as Stripe, webhookSecret: 'whsec_x' });
    expect(await provider.issue(invoice)).toEqual({ providerRef: 'in_123' });
    expect(stripe.customers.create).toHaveBeenCalledWith(
      { name: 'team-a', metadata: { workspace: 'team-a' } },
      { idempotencyKey: 'customer-team-a' },
    );
    expect(stripe.invoices.create).toHaveBeenCalledWith(
      expect.objectContaining({ customer: 'cus_new', currency: 'eur', metadata: { billingInvoiceId: invoice.id, period: '2026-11' } }),
      { idempotencyKey: `invoice-${invoice.id}` },
    );
    expect(stripe.invoiceItems.create).toHaveBeenCalledTimes(2);
    expect(stripe.invoiceItems.create).toHaveBeenLastCalledWith(
      expect.objectContaining({ amount: -100, invoice: 'in_123' }),
      { idempotencyKey: `item-${invoice.id}-1` },
    );
    expect(stripe.invoices.finalizeInvoice).toHaveBeenCalledWith('in_123', {}, { idempotencyKey: `finalize-${invoice.id}` });
  });

  it('reuses an existing customer', async () => {
    const stripe = fakeStripe({ id: 'cus_old' });
    await new StripeProvider({ stripe: stripe as unknown as Stripe, webhookSecret: 'whsec_x' }).issue(invoice);
    expect(stripe.customers.create).not.toHaveBeenCalled();
    expect(stripe.invoices.create.mock.calls[0][0].customer).toBe('cus_old');
  });

  it('verifies signatures locally', () => {
    const provider = StripeProvider.fromSecrets({ apiKey: 'sk_test_1', webhookSecret: 'whsec_x' });
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid', data: { object: {} } });
    const header = new Stripe('sk_test_1').webhooks.generateTestHeaderString({ payload, secret: 'whsec_x' });
    expect(provider.verify(payload, header).id).toBe('evt_1');
    expect(() => provider.verify(payload, undefined)).toThrow('Missing Stripe-Signature header');
    expect(() => provider.verify(`${payload} `, header)).toThrow('Invalid Stripe webhook signature');
  });
});

describe('handleStripeEvent', () => {
  const event = (type: string, metadata: Record<string, string> | null = { billingInvoiceId: 'inv_1' }) =>
    ({ id: `evt_${type}`, type, data: { object: { metadata } } }) as unknown as Stripe.Event;

  it.each([
    ['invoice.paid', 'markPaid'],
    ['invoice.voided', 'void'],
    ['invoice.payment_failed', 'paymentFailed'],
  ])('%s calls %s once', async (type, method) => {
    const events = { markPaid: jest.fn(), void: jest.fn(), paymentFailed: jest.fn() };
    const seen = new Set<string>();
    const deps = {
      events,
      isProcessed: async (id: string) => seen.has(id),
      markProcessed: async (id: string) => !seen.has(id) && !!seen.add(id),
    };
    expect(await handleStripeEvent(event(type), deps)).toEqual({ applied: true });
    expect(await handleStripeEvent(event(type), deps)).toEqual({ applied: false });
    expect((events as any)[method]).toHaveBeenCalledTimes(1);
    expect((events as any)[method]).toHaveBeenCalledWith('inv_1');
  });

  it('records events it does not act on', async () => {
    const events = { markPaid: jest.fn(), void: jest.fn(), paymentFailed: jest.fn() };
    const markProcessed = jest.fn().mockResolvedValue(true);
    await handleStripeEvent(event('customer.created', null), { events, isProcessed: async () => false, markProcessed });
    await handleStripeEvent(event('charge.refunded'), { events, isProcessed: async () => false, markProcessed });
    expect(markProcessed).toHaveBeenCalledTimes(2);
    expect(events.markPaid).not.toHaveBeenCalled();
  });
});

describe('ManualInvoiceProvider', () => {
  it('issues with a manual reference', async () => {
    expect(await new ManualInvoiceProvider().issue(invoice)).toEqual({ providerRef: 'manual:INV-2026-11-team-a' });
  });
});
