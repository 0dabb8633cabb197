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
    /**
     * How long the sandbox plugin reuses a permission policy decision for the same principal and
     * permission, in seconds (default 2; 0 turns it off). Conditional decisions are still evaluated
     * against the current sandbox/workspace rows; a changed role reaches the policy within this time.
     */
    permissionDecisionCacheSeconds?: number;
    /** Base URL of an Ollama server; the `ollama` template gets it as OLLAMA_HOST and the portal proxies its model list. */
    ollama?: { baseUrl?: string };
    /** Template name -> image (and extra env, network) for sandboxes; adds to or overrides the built-in python, node, ollama, base. */
    templates?: {
      [name: string]: {
        /** Required for a new template; a built-in one keeps its image when omitted. */
        image?: string;
        env?: { [key: string]: string };
        network?: boolean;
        /**
         * Pause running sandboxes of this template after this many minutes without activity
         * (exec, file and port-proxy use). Unset: never auto-paused. Paused sandboxes are
         * metered as storage only; resume brings back memory, processes and /workspace.
         */
        idlePauseMinutes?: number;
      };
    };
    /**
     * Warm pools (docs/operators/warm-pools.md): per template, started sandboxes that belong to no
     * workspace and are not metered until a create claims one. Not supported with the kubernetes
     * driver (a config error: a pooled pod cannot know the workspace namespace it will belong to).
     */
    warmPools?: Array<{
      /** A template name (built-in or from `sandbox.templates`); one pool per template. */
      template: string;
      /** Members kept ready. Default 1. */
      min?: number;
      /** Most members (ready + being created); under demand the pool grows from min towards it. Default max(min, 1). */
      max?: number;
      /** At most this many members are created per minute, across replicas. Default 30. */
      refillPerMinute?: number;
      /** Size of the members (small | medium | large); creates of another size are cold. Default small. */
      size?: string;
    }>;
    /** The global warm pool refill task (health check, crash clean-up, new members). */
    warmPoolRefill?: {
      /** Default every 10 s, timeout (lock lease) 1 minute, first run 5 s after start. */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /**
       * A member still `creating` after this long is the leftover of a crashed refill: adopted when
       * its container runs, else removed. Keep it above the time one create takes. Default 300.
       */
      staleCreatingSeconds?: number;
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
    /** Budget enforcement through the billing backend (docs/operators/billing.md). */
    budget?: {
      /**
       * Ask billing before each create and refuse it (409) when the workspace's plan blocks new
       * sandboxes at 100 % of its monthly budget. Billing unreachable or not installed: allowed
       * (warning logged). Default true.
       */
      enforce?: boolean;
    };
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
    /**
     * The OpenHands-compatible runtime API at /api/sandbox/openhands (authenticated by workspace
     * API keys) and its runtime gateway (docs/operators/openhands.md).
     */
    openhands?: {
      /** Mount the API and start the gateway. Default false. */
      enabled?: boolean;
      /** Globs (`*`, `?`) of the images `/start` may run; others are refused with 400. Default: none. */
      allowedImages?: string[];
      /** The runtime gateway: runtime URLs are `<baseUrl>/<runtime_id>`, proxied into the sandbox. */
      gateway?: {
        /** Listen address. Default 0.0.0.0. */
        host?: string;
        /** Listen port (0 = any free port). Default 7008. */
        port?: number;
        /** The URL OpenHands reaches the gateway at. Default `http://localhost:<port>`. */
        baseUrl?: string;
      };
      /** Give runtimes a network (the agent server calls the LLM from inside). Default true. */
      network?: boolean;
      /** Template name runtimes are recorded under (its env applies). Default `openhands`. */
      template?: string;
      /** resource_factor -> sandbox size, added to the defaults 1: medium, 2/4/8: large. */
      resourceFactors?: Array<{ factor: number; size: string }>;
      /** Answer for `GET /registry_prefix` (legacy clients that build runtime images). Default: 404. */
      registryPrefix?: string;
      /** What `GET /api/warm-runtime-configs` lists. Default: the templates whose image is allowed. */
      runtimeConfigs?: Array<{
        name: string;
        image: string;
        command?: string[];
        environment?: { [name: string]: string };
        workingDir?: string;
      }>;
    };
    backups?: {
      /**
       * Where backups are stored: `local` (default: `directory`) or `s3` (S3-compatible object
       * storage: `s3`).
       */
      store?: 'local' | 's3';
      /** Directory of the local backup store (one folder per backup). Default `.data/backups`. */
      directory?: string;
      /** The S3 store (`store: s3`): `s3://<bucket>/<prefix>/<backupId>/{workspace.tar,manifest.json}`. */
      s3?: {
        bucket: string;
        /** Key prefix, e.g. `portal/backups`. Default none. */
        prefix?: string;
        /** Default `us-east-1` (or what the endpoint expects). */
        region?: string;
        /** An S3-compatible endpoint (MinIO, Ceph RGW, R2, ...). Default AWS. */
        endpoint?: string;
        /** Path-style URLs (`<endpoint>/<bucket>/<key>`), as most S3-compatible servers need. Default false. */
        forcePathStyle?: boolean;
        /** Static keys; both or neither. Unset: the AWS SDK's default credential chain (IRSA, instance role, env). */
        accessKeyId?: string;
        /** @visibility secret */
        secretAccessKey?: string;
      };
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
      /**
       * The portal agent (plugins/sandbox-backend/agent/portal-agent.js) runs as the entrypoint of
       * every new Docker sandbox and serves exec, files and the port tunnel on a unix socket in
       * `<runDir>/<container>/agent.sock` (bind-mounted at /run/portal). The backend's own Node
       * binary and the agent directory are bind-mounted read-only, so images need no change. The
       * engine must see the backend's filesystem (a local engine). Sandboxes created without it
       * keep using the engine's exec API.
       */
      agent?: {
        /** Default true. */
        enabled?: boolean;
        /** Host directory for the per-sandbox socket directories. Default `<tmpdir>/portal-sandbox-run`. */
        runDir?: string;
      };
    };
    /** The inside-the-sandbox API (exec, files, archives, port proxy). */
    inside?: {
      /** Cap on tar uploads / downloads and file writes, in MiB (413 above). Default 64. */
      maxTransferMiB?: number;
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
