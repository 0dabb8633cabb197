import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  SandboxState,
  SandboxWithHistory,
} from '@internal/plugin-sandbox-common';
import { SandboxApiClient } from '../client/SandboxApiClient';

/** Defaults shared by the actions' `waitTimeoutSeconds` / `pollIntervalMs` inputs. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 300;
export const DEFAULT_POLL_INTERVAL_MS = 1000;

export interface WaitForSandboxOptions {
  client: SandboxApiClient;
  credentials: BackstageCredentials;
  logger: LoggerService;
  id: string;
  /** Label used in log lines and errors, usually `<workspace>/<name>`. */
  label: string;
  /** The state that ends the wait successfully. */
  target: SandboxState;
  /** States that end the wait with an error carrying the sandbox's reason. */
  failOn: readonly SandboxState[];
  timeoutMs: number;
  pollIntervalMs: number;
  /** The state already logged (e.g. the one the create call answered with). */
  initialState?: SandboxState;
  /** A 404 counts as reaching the target (a deleted sandbox may be purged). */
  notFoundIsTarget?: boolean;
  signal?: AbortSignal;
}

/** What the wait saw last: the sandbox, or nothing when it vanished (404 with notFoundIsTarget). */
export interface WaitForSandboxResult {
  state: SandboxState;
  sandbox?: SandboxWithHistory;
}

/**
 * Polls `GET /sandboxes/:id` until the sandbox reaches `target`, fails, or the time is up.
 *
 * Every state change is logged as it is observed; the backend's transition history fills in the
 * states that came and went between two polls, so the task log shows the whole path
 * (pending -> provisioning -> running) even with a slow poll interval. Server errors (5xx) and
 * network errors during the wait are logged and retried until the deadline: a restarting sandbox
 * backend should not fail a task whose sandbox is fine.
 */
export async function waitForSandbox(
  options: WaitForSandboxOptions,
): Promise<WaitForSandboxResult> {
  const { client, credentials, logger, id, label, target, failOn, signal } =
    options;
  const deadline = Date.now() + options.timeoutMs;
  let lastState: SandboxState | undefined = options.initialState;
  // Index into the sandbox's transition history up to which it has been logged; undefined until
  // the first answer, which may carry a long history (a sandbox being deleted has its whole life
  // in it): only what follows the last entry into `initialState` is news.
  let transitionsSeen: number | undefined;

  const logState = (state: SandboxState, reason?: string) => {
    if (state === lastState) {
      return;
    }
    const from = lastState ? ` (was ${lastState})` : '';
    logger.info(
      `Sandbox ${label} is ${state}${from}${reason ? `: ${reason}` : ''}`,
    );
    lastState = state;
  };

  for (;;) {
    signal?.throwIfAborted();
    let sandbox: SandboxWithHistory | undefined;
    try {
      sandbox = await client.getSandbox(id, { credentials, signal });
    } catch (error) {
      if (
        options.notFoundIsTarget &&
        ResponseError.is(error) &&
        error.statusCode === 404
      ) {
        logState(target);
        return { state: target };
      }
      if (!isTransient(error)) {
        throw error;
      }
      logger.warn(
        `Could not read sandbox ${label}, retrying: ${
          (error as Error).message
        }`,
      );
    }

    if (sandbox) {
      const transitions = sandbox.transitions ?? [];
      if (transitionsSeen === undefined) {
        const start = transitions.findLastIndex(
          t => t.to === options.initialState,
        );
        transitionsSeen = start >= 0 ? start + 1 : transitions.length;
      }
      for (const transition of transitions.slice(transitionsSeen)) {
        logState(transition.to, transition.reason);
      }
      transitionsSeen = transitions.length;
      logState(sandbox.state, sandbox.reason);

      if (sandbox.state === target) {
        return { state: sandbox.state, sandbox };
      }
      if (failOn.includes(sandbox.state)) {
        throw new Error(
          `Sandbox ${label} is ${sandbox.state}: ${
            sandbox.reason ?? 'no reason given'
          }`,
        );
      }
    }

    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(
        `Timed out after ${Math.round(
          options.timeoutMs / 1000,
        )}s waiting for sandbox ${label} to be ${target}; last state: ${
          lastState ?? 'unknown'
        }`,
      );
    }
    await sleep(Math.min(options.pollIntervalMs, remaining), signal);
  }
}

/** Server-side (5xx) and network errors are worth another try; 4xx answers are not. */
function isTransient(error: unknown): boolean {
  if (ResponseError.is(error)) {
    return error.statusCode >= 500;
  }
  return (error as Error)?.name !== 'AbortError';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('Aborted'));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
