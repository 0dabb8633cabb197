import { Flex, Text } from '@backstage/ui';
import { formatNumber } from '../../lib/format';

export interface BarChartDatum {
  /** Shown under the chart for the first and last bar, and in each bar's tooltip. */
  label: string;
  value: number;
}

const WIDTH = 300;
const HEIGHT = 80;
const GAP = 0.2;

/**
 * A small SVG bar chart: one bar per datum, scaled to the largest value, with
 * the total and the largest value as text. Each bar carries a tooltip
 * (`<title>`) with its label and value.
 */
export function BarChart(props: {
  title: string;
  data: BarChartDatum[];
  /** e.g. `h` for hours; appended to the values shown. */
  unit?: string;
  /** A CSS colour; the theme's solid colour by default. */
  color?: string;
}) {
  const { title, data, unit = '', color = 'var(--bui-accent-bg, #1f5493)' } = props;
  const max = Math.max(0, ...data.map(d => d.value));
  const total = data.reduce((sum, d) => sum + d.value, 0);
  const slot = data.length > 0 ? WIDTH / data.length : WIDTH;
  const barWidth = slot * (1 - GAP);
  const withUnit = (value: number) => `${formatNumber(value)}${unit}`;

  return (
    <Flex direction="column" gap="1">
      <Flex justify="between" align="baseline">
        <Text as="h4" variant="body-medium" weight="bold">
          {title}
        </Text>
        <Text variant="body-small" color="secondary">
          total {withUnit(total)} · max {withUnit(max)}
        </Text>
      </Flex>
      <svg
        role="img"
        aria-label={`${title}: ${withUnit(total)} in ${data.length} days`}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        width="100%"
        height={HEIGHT}
        style={{ display: 'block' }}
      >
        <line
          x1={0}
          x2={WIDTH}
          y1={HEIGHT - 0.5}
          y2={HEIGHT - 0.5}
          stroke="var(--bui-border-2, #ccc)"
          strokeWidth={1}
        />
        {data.map((d, i) => {
          // A zero still gets a hairline so the day is visible.
          const height =
            max > 0 ? Math.max((d.value / max) * (HEIGHT - 4), d.value > 0 ? 1 : 0) : 0;
          return (
            <rect
              key={d.label}
              data-value={d.value}
              x={i * slot + (slot - barWidth) / 2}
              y={HEIGHT - height}
              width={barWidth}
              height={height}
              fill={color}
            >
              <title>{`${d.label}: ${withUnit(d.value)}`}</title>
            </rect>
          );
        })}
      </svg>
      {data.length > 0 && (
        <Flex justify="between">
          <Text variant="body-x-small" color="secondary">
            {data[0].label}
          </Text>
          <Text variant="body-x-small" color="secondary">
            {data[data.length - 1].label}
          </Text>
        </Flex>
      )}
    </Flex>
  );
}
