import { SANDBOX_STATES, type SandboxState } from '@internal/plugin-sandbox-common';
import {
  canBackUp,
  canDelete,
  canPause,
  canResize,
  canResume,
  canStart,
  canStop,
  canTransition,
} from './actions';

const allowed = (check: (s: { state: SandboxState }) => boolean) =>
  SANDBOX_STATES.filter(state => check({ state }));

describe('actions', () => {
  it('allows each action only in the states the backend accepts', () => {
    expect(allowed(canStart)).toEqual(['stopped', 'failed']);
    expect(allowed(canStop)).toEqual(['running', 'paused']);
    expect(allowed(canResize)).toEqual(['stopped']);
    expect(allowed(canPause)).toEqual(['running']);
    expect(allowed(canResume)).toEqual(['paused']);
    expect(allowed(canBackUp)).toEqual(['running', 'stopped']);
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

  it('allows nothing for a state this frontend does not know', () => {
    const unknown = { state: 'hibernating' as SandboxState };
    expect(canTransition('hibernating', 'deleting')).toBe(false);
    expect(canStart(unknown)).toBe(false);
    expect(canStop(unknown)).toBe(false);
    expect(canDelete(unknown)).toBe(false);
    expect(canPause(unknown)).toBe(false);
    expect(canResume(unknown)).toBe(false);
  });
});
