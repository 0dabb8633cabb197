import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { SandboxState } from '@internal/plugin-sandbox-common';
import { isTransitional } from '../../lib/format';

/**
 * A sandbox state with the colour of its kind: green when running, amber when
 * paused, blue (animated) while it changes (any -ing state, e.g. `pausing`),
 * grey when stopped, deleted or unknown, red when failed.
 */
export function SandboxStateStatus(props: { state: SandboxState | string }) {
  const { state } = props;
  switch (state) {
    case 'running':
      return <StatusOK>{state}</StatusOK>;
    case 'paused':
      return <StatusWarning>{state}</StatusWarning>;
    case 'pending':
      return <StatusPending>{state}</StatusPending>;
    case 'failed':
      return <StatusError>{state}</StatusError>;
    default:
      return isTransitional(state) ? (
        <StatusRunning>{state}</StatusRunning>
      ) : (
        <StatusAborted>{state}</StatusAborted>
      );
  }
}
