import {
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { EventsService } from '@backstage/plugin-events-node';
import {
  Sandbox,
  SANDBOX_CHANGED_TOPIC,
} from '@internal/plugin-sandbox-common';
import { sandboxToEntity } from './sandboxToEntity';

/** Lists every sandbox; `SandboxListClient` in production. */
export interface SandboxLister {
  listAll(options?: { signal?: AbortSignal }): Promise<Sandbox[]>;
}

/** Every 30 s on one replica, first a few seconds after start. */
export const DEFAULT_SANDBOX_ENTITY_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { seconds: 30 },
    timeout: { minutes: 2 },
    initialDelay: { seconds: 5 },
    scope: 'global',
  };

/** Events within this window trigger one refresh (a create emits several state changes). */
export const DEFAULT_EVENT_DEBOUNCE_MS = 200;

export interface SandboxEntityProviderOptions {
  lister: SandboxLister;
  logger: LoggerService;
  scheduler: SchedulerService;
  events: EventsService;
  schedule?: SchedulerServiceTaskScheduleDefinition;
  debounceMs?: number;
}

/**
 * Puts every live sandbox into the catalog as a `Resource` of type `sandbox`.
 *
 * Each refresh reads all sandboxes from the sandbox backend and replaces the provider's entities
 * with a full mutation. It runs on a schedule and, debounced, on every sandbox state change event,
 * so the catalog follows a new sandbox within moments. When the backend cannot be read, the
 * catalog keeps the entities of the last good refresh: an outage must not look like every
 * sandbox was deleted.
 */
export class SandboxEntityProvider implements EntityProvider {
  readonly #lister: SandboxLister;
  readonly #logger: LoggerService;
  readonly #scheduler: SchedulerService;
  readonly #events: EventsService;
  readonly #schedule: SchedulerServiceTaskScheduleDefinition;
  readonly #debounceMs: number;
  #connection?: EntityProviderConnection;
  #inFlight?: Promise<void>;
  #queued?: Promise<void>;
  #debounceTimer?: NodeJS.Timeout;

  constructor(options: SandboxEntityProviderOptions) {
    this.#lister = options.lister;
    this.#logger = options.logger;
    this.#scheduler = options.scheduler;
    this.#events = options.events;
    this.#schedule = options.schedule ?? DEFAULT_SANDBOX_ENTITY_SCHEDULE;
    this.#debounceMs = options.debounceMs ?? DEFAULT_EVENT_DEBOUNCE_MS;
  }

  getProviderName(): string {
    return 'sandbox-entities';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.#connection = connection;
    await this.#scheduler.scheduleTask({
      id: `${this.getProviderName()}:refresh`,
      ...this.#schedule,
      fn: async () => {
        await this.refresh();
      },
    });
    await this.#events.subscribe({
      id: this.getProviderName(),
      topics: [SANDBOX_CHANGED_TOPIC],
      onEvent: async () => {
        this.#scheduleEventRefresh();
      },
    });
  }

  /**
   * Reads all sandboxes and applies them as a full mutation. Refreshes never overlap: a call
   * during a running refresh queues one more that starts when it ends (and is shared by every
   * caller meanwhile), so the latest state always gets applied.
   */
  refresh(): Promise<void> {
    if (this.#inFlight) {
      this.#queued ??= this.#inFlight.then(() => {
        this.#queued = undefined;
        return this.refresh();
      });
      return this.#queued;
    }
    this.#inFlight = this.#refreshOnce().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Stops a pending event-triggered refresh (on shutdown). */
  stop() {
    clearTimeout(this.#debounceTimer);
    this.#debounceTimer = undefined;
  }

  #scheduleEventRefresh() {
    clearTimeout(this.#debounceTimer);
    this.#debounceTimer = setTimeout(() => {
      this.#debounceTimer = undefined;
      this.refresh().catch(error =>
        this.#logger.warn(
          `Refreshing sandbox entities after a change failed: ${stringifyError(
            error,
          )}`,
        ),
      );
    }, this.#debounceMs);
  }

  async #refreshOnce(): Promise<void> {
    const connection = this.#connection;
    if (!connection) {
      throw new Error(`${this.getProviderName()} is not connected`);
    }

    let sandboxes: Sandbox[];
    try {
      sandboxes = await this.#lister.listAll();
    } catch (error) {
      this.#logger.warn(
        `Could not list sandboxes, keeping the sandbox entities of the last refresh: ${stringifyError(
          error,
        )}`,
      );
      return;
    }

    const entities: DeferredEntity[] = [];
    for (const sandbox of sandboxes) {
      if (sandbox.state === 'deleted') {
        continue;
      }
      try {
        entities.push({
          entity: sandboxToEntity(sandbox),
          // One key for all: a sandbox re-created under the same name (new id) updates its
          // entity instead of conflicting with the old one; other sources cannot claim them.
          locationKey: this.getProviderName(),
        });
      } catch (error) {
        this.#logger.warn(
          `Skipping sandbox ${sandbox.id} in the catalog: ${stringifyError(
            error,
          )}`,
        );
      }
    }
    await connection.applyMutation({ type: 'full', entities });
    this.#logger.debug(`Applied ${entities.length} sandbox entities`);
  }
}
