import { render, screen } from '@testing-library/react';
import { makeBudget } from '../../testUtils/fixtures';
import { BudgetBar, budgetLevel } from './BudgetBar';

describe('BudgetBar', () => {
  it('shows spend against the budget below 80 % without a warning', () => {
    render(<BudgetBar budget={makeBudget({ usedMinor: 10_000, budgetMinor: 50_000, ratio: 0.2 })} currency="EUR" />);
    const meter = screen.getByRole('meter', { name: 'Budget' });
    expect(meter).toHaveAttribute('aria-valuetext', '€100.00 of €500.00 (20 %)');
    expect(meter).toHaveAttribute('data-level', 'ok');
    expect(screen.queryByText(/80 %/)).not.toBeInTheDocument();
    expect(screen.queryByText(/blocked/)).not.toBeInTheDocument();
  });

  it('turns amber from 80 %', () => {
    render(<BudgetBar budget={makeBudget({ usedMinor: 40_000, budgetMinor: 50_000, ratio: 0.8 })} currency="EUR" />);
    expect(screen.getByRole('meter')).toHaveAttribute('data-level', 'warning');
    expect(screen.getByText('Over 80 % of the monthly budget is used.')).toBeInTheDocument();
  });

  it('turns red at 100 % and says new sandboxes are blocked when the plan blocks', () => {
    render(
      <BudgetBar
        budget={makeBudget({ usedMinor: 50_000, budgetMinor: 50_000, ratio: 1, blocked: true })}
        currency="EUR"
      />,
    );
    expect(screen.getByRole('meter')).toHaveAttribute('data-level', 'exceeded');
    expect(screen.getByText('Budget used up: new sandboxes blocked.')).toBeInTheDocument();
  });

  it('says so when the plan does not block at budget', () => {
    render(
      <BudgetBar
        budget={makeBudget({ usedMinor: 60_000, budgetMinor: 50_000, ratio: 1.2, blocked: false })}
        currency="EUR"
      />,
    );
    expect(screen.getByText('Budget used up (this plan does not block new sandboxes).')).toBeInTheDocument();
  });

  it('draws no meter without a budget', () => {
    render(<BudgetBar budget={makeBudget({ budgetMinor: null, ratio: null, source: 'none' })} currency="EUR" />);
    expect(screen.queryByRole('meter')).not.toBeInTheDocument();
    expect(screen.getByText('€29.50 spent, no monthly budget set')).toBeInTheDocument();
  });

  it('classifies levels', () => {
    expect(budgetLevel({ budgetMinor: null, ratio: null })).toBe('none');
    expect(budgetLevel({ budgetMinor: 1, ratio: 0.79 })).toBe('ok');
    expect(budgetLevel({ budgetMinor: 1, ratio: 0.8 })).toBe('warning');
    expect(budgetLevel({ budgetMinor: 1, ratio: 1 })).toBe('exceeded');
  });
});
