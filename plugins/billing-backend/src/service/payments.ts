import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { Invoice } from '@internal/plugin-billing-common';
import Stripe from 'stripe';

/** The one interface to payment systems. */
export interface PaymentProvider {
  readonly name: string;
  /** Called once an invoice is finalized; returns the provider's reference to it. */
  issue(invoice: Invoice): Promise<{ providerRef?: string }>;
}

/** Default provider: the invoice is issued as-is (sent by finance); paid via POST /invoices/:id/pay. */
export class ManualInvoiceProvider implements PaymentProvider {
  readonly name = 'manual';
  constructor(private readonly logger?: LoggerService) {}
  async issue(invoice: Invoice): Promise<{ providerRef?: string }> {
    this.logger?.info(`invoice ${invoice.number} issued manually: ${invoice.totalMinor} ${invoice.currency} minor units`);
    return { providerRef: `manual:${invoice.number}` };
  }
}

/** What the webhook handler does with a verified event (implemented by BillingService). */
export interface PaymentEvents {
  markPaid(invoiceId: string): Promise<unknown>;
  void(invoiceId: string): Promise<unknown>;
  paymentFailed(invoiceId: string): Promise<unknown>;
}

/**
 * Stripe: a customer per workspace (found by metadata), one invoice item per line, a
 * `send_invoice` invoice carrying our invoice id in metadata, finalized. Every call carries an
 * idempotency key derived from our invoice id, so a retried finalize never bills twice.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';

  constructor(
    private readonly options: {
      stripe: Stripe;
      webhookSecret: string;
      daysUntilDue?: number;
    },
  ) {}

  static fromSecrets(options: { apiKey: string; webhookSecret: string }): StripeProvider {
    return new StripeProvider({ stripe: new Stripe(options.apiKey), webhookSecret: options.webhookSecret });
  }

  async issue(invoice: Invoice): Promise<{ providerRef?: string }> {
    const { stripe } = this.options;
    const found = await stripe.customers.search({ query: `metadata['workspace']:'${invoice.workspace}'` });
    const customer =
      found.data[0] ??
      (await stripe.customers.create(
        { name: invoice.workspace, metadata: { workspace: invoice.workspace } },
        { idempotencyKey: `customer-${invoice.workspace}` },
      ));
    const created = await stripe.invoices.create(
      {
        customer: customer.id,
        collection_method: 'send_invoice',
        days_until_due: this.options.daysUntilDue ?? 30,
        currency: invoice.currency.toLowerCase(),
        auto_advance: false,
        metadata: { billingInvoiceId: invoice.id, period: invoice.period },
      },
      { idempotencyKey: `invoice-${invoice.id}` },
    );
    for (const [i, line] of invoice.lines.entries()) {
      await stripe.invoiceItems.create(
        {
          customer: customer.id,
          invoice: created.id,
          currency: invoice.currency.toLowerCase(),
          amount: line.amountMinor,
          description: line.description,
        },
        { idempotencyKey: `item-${invoice.id}-${i}` },
      );
    }
    await stripe.invoices.finalizeInvoice(created.id!, {}, { idempotencyKey: `finalize-${invoice.id}` });
    return { providerRef: created.id };
  }

  /** Verifies the signature (bad -> InputError, a 400); returns the event. */
  verify(rawBody: Buffer | string, signature: string | undefined): Stripe.Event {
    if (!signature) throw new InputError('Missing Stripe-Signature header');
    try {
      return this.options.stripe.webhooks.constructEvent(rawBody, signature, this.options.webhookSecret);
    } catch (e) {
      throw new InputError(`Invalid Stripe webhook signature: ${(e as Error).message}`);
    }
  }
}

/**
 * Applies a verified Stripe event once: a replayed event id changes nothing. The event is applied
 * before its id is stored, and every transition is a compare-and-set, so a crash in between only
 * leads to a harmless re-apply on Stripe's retry.
 */
export async function handleStripeEvent(
  event: Stripe.Event,
  deps: { events: PaymentEvents; isProcessed(id: string): Promise<boolean>; markProcessed(id: string, type: string): Promise<boolean> },
): Promise<{ applied: boolean }> {
  if (await deps.isProcessed(event.id)) return { applied: false };
  const object = event.data.object as { metadata?: Record<string, string> | null };
  const invoiceId = object.metadata?.billingInvoiceId;
  if (invoiceId) {
    if (event.type === 'invoice.paid') await deps.events.markPaid(invoiceId);
    else if (event.type === 'invoice.voided') await deps.events.void(invoiceId);
    else if (event.type === 'invoice.payment_failed') await deps.events.paymentFailed(invoiceId);
  }
  await deps.markProcessed(event.id, event.type);
  return { applied: true };
}
