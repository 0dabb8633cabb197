import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import type { SandboxState } from '@internal/plugin-sandbox-common';

/**
 * A sandbox state with the colour of its kind: green when running, blue
 * (animated) while it changes, grey when stopped or deleted, red when failed.
 */
export function SandboxStateStatus(props: { state: SandboxState }) {
  const { state } = props;
  switch (state) {
    case 'running':
      return <StatusOK>{state}</StatusOK>;
    case 'pending':
      return <StatusPending>{state}</StatusPending>;
    case 'provisioning':
    case 'stopping':
    case 'deleting':
      return <StatusRunning>{state}</StatusRunning>;
    case 'failed':
      return <StatusError>{state}</StatusError>;
    case 'stopped':
    case 'deleted':
    default:
      return <StatusAborted>{state}</StatusAborted>;
  }
}
