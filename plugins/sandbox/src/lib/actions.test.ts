import { SANDBOX_STATES, type SandboxState } from '@internal/plugin-sandbox-common';
import { canDelete, canResize, canStart, canStop } from './actions';

const allowed = (check: (s: { state: SandboxState }) => boolean) =>
  SANDBOX_STATES.filter(state => check({ state }));

describe('actions', () => {
  it('allows each action only in the states the backend accepts', () => {
    expect(allowed(canStart)).toEqual(['stopped', 'failed']);
    expect(allowed(canStop)).toEqual(['running']);
    expect(allowed(canResize)).toEqual(['stopped']);
    expect(allowed(canDelete)).toEqual([
      'pending',
      'provisioning',
      'running',
      'stopping',
      'stopped',
      'failed',
    ]);
  });
});
