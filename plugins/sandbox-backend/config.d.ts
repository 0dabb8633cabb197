export interface Config {
  /** Sandbox backend settings. */
  sandbox?: {
    /** Which driver runs sandboxes: `docker` (default) or `kubernetes`. */
    driver?: 'docker' | 'kubernetes';
  };
}
