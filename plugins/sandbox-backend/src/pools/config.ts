import { Config } from '@backstage/config';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { TemplateImage } from '../service/types';

/** One template's warm pool (`sandbox.warmPools[]`). */
export interface WarmPoolConfig {
  template: string;
  /** Members kept ready (claimed ones are replaced up to this). */
  min: number;
  /** Upper bound of ready + creating members; under demand the pool grows from min towards it. */
  max: number;
  /** At most this many members are created per minute (across replicas). */
  refillPerMinute: number;
  /** Size of the members; creates asking for another size are cold creates. Default `small`. */
  size: string;
}

/**
 * Reads `sandbox.warmPools`. Throws a config error naming the entry for unknown templates or sizes,
 * bad numbers, duplicates, and for the Kubernetes driver (a pooled pod would have to live in a
 * namespace before anyone knows which workspace, and so which namespace, will claim it).
 */
export function readWarmPools(
  config: Config,
  options: { templates: Record<string, TemplateImage>; driver: string },
): WarmPoolConfig[] {
  const entries = config.getOptionalConfigArray('sandbox.warmPools') ?? [];
  if (entries.length && options.driver === 'kubernetes') {
    throw new Error(
      'sandbox.warmPools: warm pools are not supported with the kubernetes driver (a pooled pod cannot know ' +
        'the workspace namespace it will belong to); remove sandbox.warmPools or use the docker driver',
    );
  }
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const at = `sandbox.warmPools[${i}]`;
    const template = entry.getString('template');
    if (!options.templates[template]) {
      throw new Error(`${at}.template: unknown template '${template}' (known: ${Object.keys(options.templates).join(', ')})`);
    }
    if (seen.has(template)) throw new Error(`${at}.template: template '${template}' has more than one pool`);
    seen.add(template);
    const min = entry.getOptionalNumber('min') ?? 1;
    const max = entry.getOptionalNumber('max') ?? Math.max(min, 1);
    const refillPerMinute = entry.getOptionalNumber('refillPerMinute') ?? 30;
    const size = entry.getOptionalString('size') ?? 'small';
    const whole = (name: string, value: number, least: number) => {
      if (!Number.isInteger(value) || value < least) throw new Error(`${at}.${name}: must be a whole number >= ${least}, got ${value}`);
    };
    whole('min', min, 0);
    whole('max', max, 1);
    whole('refillPerMinute', refillPerMinute, 1);
    if (max < min) throw new Error(`${at}.max: must be >= min (${min}), got ${max}`);
    if (!SANDBOX_SIZES[size]) throw new Error(`${at}.size: must be one of ${Object.keys(SANDBOX_SIZES).join(', ')}`);
    return { template, min, max, refillPerMinute, size };
  });
}
