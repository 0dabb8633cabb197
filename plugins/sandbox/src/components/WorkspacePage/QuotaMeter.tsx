import { Flex, Text } from '@backstage/ui';

/** Share of the limit from which the bar turns amber. */
export const WARNING_RATIO = 0.8;

/**
 * Usage against a limit as a bar (`role="meter"`): green-ish below 80 %, amber
 * from 80 %, red at or over the limit. A `null` limit reads "unlimited" and
 * draws no bar fill.
 */
export function QuotaMeter(props: {
  label: string;
  used: number;
  limit: number | null;
  format: (value: number | null) => string;
  /** Marks a limit an administrator overrode. */
  overridden?: boolean;
}) {
  const { label, used, limit, format, overridden } = props;
  let ratio = 0;
  if (limit !== null) {
    ratio = limit > 0 ? Math.min(used / limit, 1) : Number(used > 0);
  }
  let color = 'var(--bui-accent-bg, #1f5493)';
  if (limit !== null && used >= limit && (used > 0 || limit === 0)) {
    color = 'var(--bui-negative-bg, #d32f2f)';
  } else if (ratio >= WARNING_RATIO) {
    color = 'var(--bui-warning-bg, #ed6c02)';
  }
  const text = `${format(used)} of ${format(limit)}`;

  return (
    <Flex direction="column" gap="1">
      <Flex justify="between" align="baseline">
        <Text variant="body-small" weight="bold">
          {label}
          {overridden && (
            <Text variant="body-small" color="secondary">
              {' '}
              (override)
            </Text>
          )}
        </Text>
        <Text variant="body-small">{text}</Text>
      </Flex>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit ?? undefined}
        aria-valuenow={used}
        aria-valuetext={text}
        style={{
          height: 8,
          borderRadius: 4,
          background: 'var(--bui-bg-neutral-2, #e0e0e0)',
          overflow: 'hidden',
        }}
      >
        <div style={{ width: `${ratio * 100}%`, height: '100%', background: color }} />
      </div>
    </Flex>
  );
}
