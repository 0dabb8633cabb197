import { render, screen } from '@testing-library/react';
import { BarChart } from './BarChart';

describe('BarChart', () => {
  it('draws one bar per datum scaled to the largest value, with tooltips and totals', () => {
    render(
      <BarChart
        title="Running hours"
        unit=" h"
        data={[
          { label: '2025-01-01', value: 2 },
          { label: '2025-01-02', value: 0 },
          { label: '2025-01-03', value: 4.5 },
        ]}
      />,
    );
    const chart = screen.getByRole('img', { name: 'Running hours: 6.5 h in 3 days' });
    const bars = chart.querySelectorAll('rect');
    expect(bars).toHaveLength(3);
    const heights = Array.from(bars).map(bar => Number(bar.getAttribute('height')));
    expect(heights[1]).toBe(0);
    expect(heights[2]).toBeGreaterThan(heights[0]);
    expect(heights[0]).toBeCloseTo(heights[2] * (2 / 4.5));
    expect(bars[2].querySelector('title')).toHaveTextContent('2025-01-03: 4.5 h');
    expect(screen.getByText('total 6.5 h · max 4.5 h')).toBeInTheDocument();
    expect(screen.getByText('2025-01-01')).toBeInTheDocument();
    expect(screen.getByText('2025-01-03')).toBeInTheDocument();
  });

  it('copes with no data and all zeros', () => {
    const { rerender } = render(<BarChart title="Failures" data={[]} />);
    expect(screen.getByRole('img', { name: 'Failures: 0 in 0 days' })).toBeInTheDocument();
    rerender(<BarChart title="Failures" data={[{ label: 'd1', value: 0 }]} />);
    expect(
      screen.getByRole('img', { name: 'Failures: 0 in 1 days' }).querySelector('rect'),
    ).toHaveAttribute('height', '0');
  });
});
