/** The parts of a Crossplane XR the driver reads. */
export interface ObservedXR {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec?: Record<string, any>;
  status?: {
    conditions?: Array<{
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }>;
    [key: string]: any;
  };
}

/** The condition of `type` (`Ready`, `Synced`), if the XR has one. */
export function conditionOf(xr: ObservedXR, type: string) {
  return xr.status?.conditions?.find(c => c.type === type);
}

/**
 * Crossplane's verdict on an XR: failed when it cannot reconcile it (Synced=False) — the message
 * says why, e.g. no Composition matched or a composed resource was rejected — ready when
 * Ready=True, pending otherwise.
 */
export function crossplaneVerdict(xr: ObservedXR): {
  verdict: 'ready' | 'failed' | 'pending';
  message?: string;
} {
  const synced = conditionOf(xr, 'Synced');
  if (synced?.status === 'False') {
    return {
      verdict: 'failed',
      message:
        synced.message || synced.reason || 'Crossplane cannot reconcile it',
    };
  }
  const ready = conditionOf(xr, 'Ready');
  if (ready?.status === 'True') return { verdict: 'ready' };
  return {
    verdict: 'pending',
    message: ready?.message || ready?.reason || undefined,
  };
}

/** Polls `check` every `intervalMs` until it returns a value, or throws `onTimeout()` after `timeoutMs`. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: {
    timeoutMs: number;
    intervalMs: number;
    onTimeout: () => Error | Promise<Error>;
  },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw await options.onTimeout();
    await new Promise(r => setTimeout(r, options.intervalMs));
  }
}
