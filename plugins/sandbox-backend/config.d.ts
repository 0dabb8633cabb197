import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Sandbox backend settings. */
  sandbox?: {
    /**
     * Which driver runs sandboxes: `docker` (default; the Docker Engine API on a unix socket),
     * `kubernetes` (Crossplane `Sandbox` XRs in a cluster; see `sandbox.kubernetes`) or `memory`
     * (nothing runs; for UI work and demos).
     */
    driver?: 'docker' | 'kubernetes' | 'memory';
    /** Base URL of an Ollama server; the `ollama` template gets it as OLLAMA_HOST and the portal proxies its model list. */
    ollama?: { baseUrl?: string };
    /** Template name -> image (and extra env, network) for sandboxes; adds to or overrides the built-in python, node, ollama, base. */
    templates?: {
      [name: string]: {
        image: string;
        env?: { [key: string]: string };
        network?: boolean;
      };
    };
    /** Group or user entity refs of portal administrators (all permissions, all workspaces). */
    admins?: string[];
    /** Workspaces to create at start-up when they do not exist (idempotent). */
    workspaces?: Array<{
      name: string;
      title?: string;
      /** free | team | enterprise: the default quotas. */
      plan?: string;
      /** A catalog group whose members belong to the workspace. */
      backingGroup?: string;
      /** Role of the backing group's members. Default member. */
      backingGroupRole?: string;
      members?: Array<{ ref: string; role: string }>;
    }>;
    /** IDE links: SSH host of a sandbox and the user to log in as. */
    ssh?: {
      /** Host pattern with `{name}`, `{workspace}`, `{id}`. Default `{name}.{workspace}.sandbox.localhost`. */
      hostPattern?: string;
      /** Default `sandbox`. */
      user?: string;
    };
    /** The reconciler that repairs drift between the database and the runtime. */
    reconciler?: {
      /**
       * How long a transition (provisioning, stopping, deleting) may sit unchanged before it counts
       * as interrupted and is driven again. Default 120 seconds.
       */
      staleAfterSeconds?: number;
      /** How often it runs. Default every 30 s, first run at start-up. */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
    /** Backups of sandbox /workspace volumes (docs/operators/backups.md). */
    backups?: {
      /** Directory of the local backup store (one folder per backup). Default `.data/backups`. */
      directory?: string;
      /** An in-progress backup older than this counts as interrupted (crashed). Default 6. */
      staleAfterHours?: number;
      /** How often the backup task looks for due workspace schedules. Default every 5 minutes. */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
    /** Settings of the Docker driver (`driver: docker`). */
    docker?: {
      /**
       * The Docker engine's unix socket. Default: the path of `DOCKER_HOST` when that is
       * `unix://...`, else `/var/run/docker.sock`. Locally, `scripts/services/docker.sh`
       * (`docker_start`) runs an engine and exports `DOCKER_HOST`.
       */
      socketPath?: string;
      /**
       * The engine network for sandboxes created with `network: true` (all others run with network
       * `none`). Default `bridge`. An engine started with `--bridge=none` (as `docker_start` does)
       * has no `bridge` network: create one, or use `host` (no isolation from the host's network).
       */
      network?: string;
      /**
       * URL schemes the host-side `git clone` of a sandbox's repo may use (GIT_ALLOW_PROTOCOL).
       * Default `https`, `http`, `ssh`, `git`. Add `file` only where cloning repositories of the
       * portal host itself is intended (tests, single-user setups).
       */
      gitAllowedProtocols?: string[];
    };
    /**
     * Settings of the Kubernetes driver (`driver: kubernetes`) and of the scaffolder action
     * `crossplane:claim:apply`: the cluster with Crossplane and the portal's XRDs and compositions
     * (k8s/crossplane, docs/operators/kubernetes.md).
     */
    kubernetes?: {
      /** Path of a kubeconfig file. Default: in-cluster when running in a pod, else `KUBECONFIG` / `~/.kube/config`. */
      kubeconfigPath?: string;
      /** Context of the kubeconfig to use. Default: its current context. */
      context?: string;
      /** Use the pod's ServiceAccount (true), or never (false). Default: when `KUBERNETES_SERVICE_HOST` is set. */
      inCluster?: boolean;
      /** Which Compositions the XRs select (label `provider`). Default `local`. */
      provider?: 'aws' | 'gcp' | 'azure' | 'local';
      /** Workspace namespaces (and Workspace XR names) are `<namespacePrefix><workspace>`. Default `ws-`. */
      namespacePrefix?: string;
      /** StorageClass of sandbox volumes. Default: the composition's (`portal-sandbox`). */
      storageClass?: string;
      /** How long creating or starting a sandbox may take until it is Ready. Default 600 seconds. */
      readyTimeoutSeconds?: number;
      /** Pause between two status reads while waiting. Default 2000 ms. */
      pollIntervalMs?: number;
      /** Create the workspace's Workspace XR (namespace, quota, RBAC) before its first sandbox. Default true. */
      ensureWorkspaces?: boolean;
      /** Quota of the Workspaces created that way. Default 8 CPUs, 16384 MiB, 100 GiB, 10 sandboxes. */
      workspaceQuota?: {
        cpus: number;
        memoryMiB: number;
        storageGiB?: number;
        maxSandboxes: number;
      };
      /** The portal's ServiceAccount, given write access in each workspace namespace. Default sandbox-portal/sandbox-portal. */
      serviceAccount?: { name: string; namespace: string };
    };
  };
}
