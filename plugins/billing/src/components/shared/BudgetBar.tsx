import { Flex, Text } from '@backstage/ui';
import type { BudgetStatus } from '@internal/plugin-billing-common';
import { formatMoney, formatPercent } from '../../lib/format';

/** From this share of the budget the bar turns amber (the backend alerts at the same point). */
export const BUDGET_WARNING_RATIO = 0.8;

export type BudgetLevel = 'none' | 'ok' | 'warning' | 'exceeded';

/** ok below 80 %, warning from 80 %, exceeded from 100 %; none without a budget. */
export function budgetLevel(budget: Pick<BudgetStatus, 'budgetMinor' | 'ratio'>): BudgetLevel {
  if (budget.budgetMinor === null || budget.ratio === null) return 'none';
  if (budget.ratio >= 1) return 'exceeded';
  if (budget.ratio >= BUDGET_WARNING_RATIO) return 'warning';
  return 'ok';
}

const COLORS: Record<BudgetLevel, string> = {
  none: 'var(--bui-accent-bg, #1f5493)',
  ok: 'var(--bui-accent-bg, #1f5493)',
  warning: 'var(--bui-warning-bg, #ed6c02)',
  exceeded: 'var(--bui-negative-bg, #d32f2f)',
};

/**
 * The period's spend against the monthly budget as a meter: amber from 80 %, red from 100 %, with
 * "New sandboxes blocked" when the plan blocks at budget.
 */
export function BudgetBar(props: { budget: BudgetStatus; currency: string }) {
  const { budget, currency } = props;
  const level = budgetLevel(budget);
  const used = formatMoney(budget.usedMinor, currency);
  if (budget.budgetMinor === null) {
    return (
      <Flex direction="column" gap="1">
        <Text variant="body-small" weight="bold">
          Budget
        </Text>
        <Text variant="body-small">{`${used} spent, no monthly budget set`}</Text>
      </Flex>
    );
  }
  const ratio = budget.ratio ?? 0;
  const text = `${used} of ${formatMoney(budget.budgetMinor, currency)} (${formatPercent(ratio)})`;
  return (
    <Flex direction="column" gap="1">
      <Flex justify="between" align="baseline">
        <Text variant="body-small" weight="bold">
          Budget
        </Text>
        <Text variant="body-small">{text}</Text>
      </Flex>
      <div
        role="meter"
        aria-label="Budget"
        aria-valuemin={0}
        aria-valuemax={budget.budgetMinor}
        aria-valuenow={budget.usedMinor}
        aria-valuetext={text}
        data-level={level}
        style={{
          height: 8,
          borderRadius: 4,
          background: 'var(--bui-bg-neutral-2, #e0e0e0)',
          overflow: 'hidden',
        }}
      >
        <div
          style={{
            width: `${Math.min(ratio, 1) * 100}%`,
            height: '100%',
            background: COLORS[level],
          }}
        />
      </div>
      {level === 'warning' && (
        <Text variant="body-small" color="warning">
          Over 80 % of the monthly budget is used.
        </Text>
      )}
      {level === 'exceeded' && (
        <Text variant="body-small" color="danger">
          {budget.blocked
            ? 'Budget used up: new sandboxes blocked.'
            : 'Budget used up (this plan does not block new sandboxes).'}
        </Text>
      )}
    </Flex>
  );
}
