import { ResponseError } from '@backstage/errors';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  SANDBOX_STATES,
  type Sandbox,
  type SandboxSize,
  type SandboxState,
} from '@internal/plugin-sandbox-common';

/** States a sandbox only passes through; pages poll while one of these is shown. */
export const TRANSITIONAL_STATES: readonly SandboxState[] = [
  'pending',
  'provisioning',
  'pausing',
  'resuming',
  'stopping',
  'deleting',
];

/** How often pages poll while a sandbox is in a transitional state. */
export const POLL_INTERVAL_MS = 4000;

/**
 * Whether a state is one a sandbox only passes through. Besides the known ones, a
 * state this build does not know counts when it ends in -ing (the backend's
 * naming rule for transitional states), so a newer backend's states are polled too.
 */
export function isTransitional(state: SandboxState | string): boolean {
  if ((SANDBOX_STATES as readonly string[]).includes(state)) {
    return (TRANSITIONAL_STATES as readonly string[]).includes(state);
  }
  return /ing$/.test(state);
}

/** `42s`, `5m`, `3h 20m`, `2d 4h`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return `${hours}h ${minutes % 60}m`;
  }
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** Time since creation. */
export function formatAge(sandbox: Pick<Sandbox, 'createdAt'>, now: number = Date.now()): string {
  return formatDuration((now - Date.parse(sandbox.createdAt)) / 1000);
}

/** When the sandbox expires: `expiresAt`, else `createdAt + ttlSeconds`, else never. */
export function expiryTime(
  sandbox: Pick<Sandbox, 'createdAt' | 'expiresAt' | 'ttlSeconds'>,
): number | undefined {
  if (sandbox.expiresAt) {
    return Date.parse(sandbox.expiresAt);
  }
  if (sandbox.ttlSeconds !== null && sandbox.ttlSeconds !== undefined) {
    return Date.parse(sandbox.createdAt) + sandbox.ttlSeconds * 1000;
  }
  return undefined;
}

/** Time left before the TTL runs out: `3h 20m`, `expired` or `no TTL`. */
export function formatTtlRemaining(
  sandbox: Pick<Sandbox, 'createdAt' | 'expiresAt' | 'ttlSeconds'>,
  now: number = Date.now(),
): string {
  const expiry = expiryTime(sandbox);
  if (expiry === undefined) {
    return 'no TTL';
  }
  const left = (expiry - now) / 1000;
  return left <= 0 ? 'expired' : formatDuration(left);
}

export function formatMemory(memoryMiB: number): string {
  return memoryMiB >= 1024 ? `${memoryMiB / 1024} GiB` : `${memoryMiB} MiB`;
}

/** `small (0.5 vCPU, 512 MiB, 5 GiB disk)`. */
export function formatSize(size: SandboxSize): string {
  return `${size.name} (${size.cpus} vCPU, ${formatMemory(size.memoryMiB)}, ${size.diskGiB} GiB disk)`;
}

/**
 * The message to show for a failed request: the backend's own message for a
 * `ResponseError` (e.g. "Sandbox 'x' cannot go from stopped to stopping")
 * rather than the generic "Request failed with 409 Conflict".
 */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause.message || error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** `alice` for `user:default/alice`, `ns/name` outside the default namespace, else the input. */
export function shortRef(ref: string): string {
  try {
    const { namespace, name } = parseEntityRef(ref);
    return namespace === 'default' ? name : `${namespace}/${name}`;
  } catch {
    return ref;
  }
}

/** A timestamp in the user's locale. */
export function formatTimestamp(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** `12.5` for a number, trimmed to at most two decimals. */
export function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * A monthly budget in minor units (cents) as major units: `500.00 per month`.
 * The billing currency is not known to the portal, so no symbol is shown.
 */
export function formatBudget(minor: number | null): string {
  if (minor === null) {
    return 'unlimited';
  }
  return `${(minor / 100).toFixed(2)} per month`;
}

/** The longest lifetime of a sandbox: `8h 0m`, `7d 0h` or `unlimited`. */
export function formatLifetime(seconds: number | null): string {
  return seconds === null ? 'unlimited' : formatDuration(seconds);
}

/** `512 B`, `1.5 KiB`, `20 MiB`, `1.25 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${formatNumber(value)} ${units[unit]}`;
}
