import { StatusAborted, StatusError, StatusOK, StatusWarning } from '@backstage/core-components';
import type { AuditOutcome } from '@internal/plugin-sandbox-common';

/** An audit outcome in colour: success green, denied amber, invalid grey, failure red. */
export function AuditOutcomeStatus(props: { outcome: AuditOutcome }) {
  const { outcome } = props;
  switch (outcome) {
    case 'success':
      return <StatusOK>{outcome}</StatusOK>;
    case 'denied':
      return <StatusWarning>{outcome}</StatusWarning>;
    case 'failure':
      return <StatusError>{outcome}</StatusError>;
    case 'invalid':
    default:
      return <StatusAborted>{outcome}</StatusAborted>;
  }
}
