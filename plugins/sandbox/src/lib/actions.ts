import { canTransition, type Sandbox } from '@internal/plugin-sandbox-common';
import { isTransitional } from './format';

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
