export interface Config {
  /** Grafana, for the panels and dashboard links on entity pages (plugins/grafana). */
  grafana?: {
    /**
     * Grafana's address as the user's browser reaches it, e.g. `https://grafana.example.com`
     * (or `https://example.com/grafana` when served from a sub-path). Embedded panels load from
     * `<baseUrl>/d-solo/...`; without this key the Grafana cards show a configuration hint and
     * the sandbox page shows no panels. Grafana must allow embedding (`allow_embedding = true`)
     * and the portal's CSP must allow it as a frame source (`backend.csp.frame-src`).
     * @visibility frontend
     */
    baseUrl?: string;
  };
}
