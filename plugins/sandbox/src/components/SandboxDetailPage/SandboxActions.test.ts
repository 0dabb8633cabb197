import { SANDBOX_STATES, type SandboxState } from '@internal/plugin-sandbox-common';
import { canDelete, canStart, canStop } from './SandboxActions';

const allowed = (check: (s: { state: SandboxState }) => boolean) =>
  SANDBOX_STATES.filter(state => check({ state }));

describe('which actions each state allows', () => {
  it('starts only settled sandboxes that can be provisioned again', () => {
    expect(allowed(canStart)).toEqual(['stopped', 'failed']);
  });

  it('stops running and paused sandboxes', () => {
    expect(allowed(canStop)).toEqual(['running', 'paused']);
  });

  it('deletes anything not already being deleted', () => {
    expect(allowed(canDelete)).toEqual([
      'pending',
      'provisioning',
      'running',
      'pausing',
      'paused',
      'resuming',
      'stopping',
      'stopped',
      'failed',
    ]);
  });
});
