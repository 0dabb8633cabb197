/** Injected time, so TTLs, idle timeouts and transitions are testable across boundaries. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What a template name resolves to. */
export interface TemplateImage {
  image: string;
  env?: Record<string, string>;
  /** Give sandboxes of this template a network even when the request does not ask. */
  network?: boolean;
  /** Pause running sandboxes of this template after this many idle seconds (unset: never). */
  idlePauseSeconds?: number;
}
