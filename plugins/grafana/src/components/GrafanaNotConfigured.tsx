import { Alert } from '@backstage/ui';

/** Shown by the cards of an annotated entity while `grafana.baseUrl` is missing or invalid. */
export function GrafanaNotConfigured() {
  return (
    <Alert
      status="warning"
      title="Grafana is not configured"
      description="Set grafana.baseUrl (an http or https URL) in the portal's app-config to see this entity's Grafana panels and dashboards."
    />
  );
}
