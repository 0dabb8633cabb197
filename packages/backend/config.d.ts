export interface Config {
  /** Prometheus metrics of the backend (prom-client). */
  metrics?: {
    /** Serve metrics at all. Defaults to true. */
    enabled?: boolean;
    /** HTTP path of the metrics endpoint. Defaults to `/metrics`. */
    path?: string;
    /**
     * A dedicated port for the metrics endpoint. When set, the main backend port does not serve
     * metrics. Unset by default (metrics on the main port).
     */
    port?: number;
    /** Interface the dedicated metrics port binds to. Defaults to `0.0.0.0`. */
    host?: string;
  };
}
