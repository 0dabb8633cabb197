import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import { normalizeBaseUrl } from './urls';

/** The config key of Grafana's address (declared with frontend visibility in config.d.ts). */
export const GRAFANA_BASE_URL_CONFIG_KEY = 'grafana.baseUrl';

/** `grafana.baseUrl`, normalized; undefined when Grafana is not configured (or misconfigured). */
export function useGrafanaBaseUrl(): string | undefined {
  const config = useApi(configApiRef);
  return normalizeBaseUrl(
    config.getOptionalString(GRAFANA_BASE_URL_CONFIG_KEY),
  );
}
