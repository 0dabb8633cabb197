import {
  SANDBOX_TRANSITIONS,
  type Sandbox,
  type SandboxState,
} from '@internal/plugin-sandbox-common';
import { isTransitional } from './format';

/**
 * `canTransition` of sandbox-common, but false (rather than a TypeError) for a
 * state this build of the frontend does not know.
 */
export function canTransition(from: SandboxState | string, to: SandboxState | string): boolean {
  const next = (SANDBOX_TRANSITIONS as Record<string, readonly string[] | undefined>)[from];
  return next?.includes(to) ?? false;
}

/**
 * Which lifecycle actions a sandbox's state allows (permissions aside). Start only
 * makes sense from a settled state (`stopped`, `failed`): from `pending` the backend
 * moves on to `provisioning` by itself.
 */
export function canStart(sandbox: Pick<Sandbox, 'state'>): boolean {
  return !isTransitional(sandbox.state) && canTransition(sandbox.state, 'provisioning');
}
export function canStop(sandbox: Pick<Sandbox, 'state'>): boolean {
  return canTransition(sandbox.state, 'stopping');
}
export function canDelete(sandbox: Pick<Sandbox, 'state'>): boolean {
  return canTransition(sandbox.state, 'deleting');
}
/** The backend only resizes stopped sandboxes. */
export function canResize(sandbox: Pick<Sandbox, 'state'>): boolean {
  return sandbox.state === 'stopped';
}
/** Only a running sandbox can be paused (`POST /sandboxes/:id/pause`). */
export function canPause(sandbox: Pick<Sandbox, 'state'>): boolean {
  return sandbox.state === 'running';
}
/** Only a paused sandbox can be resumed. */
export function canResume(sandbox: Pick<Sandbox, 'state'>): boolean {
  return sandbox.state === 'paused';
}
/** Backups are taken of running or stopped sandboxes (the backend's rule). */
export function canBackUp(sandbox: Pick<Sandbox, 'state'>): boolean {
  return sandbox.state === 'running' || sandbox.state === 'stopped';
}
