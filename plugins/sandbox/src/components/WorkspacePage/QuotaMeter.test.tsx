import { render, screen } from '@testing-library/react';
import { QuotaMeter } from './QuotaMeter';

const format = (value: number | null) => (value === null ? 'unlimited' : String(value));

function fill(name: string) {
  return (screen.getByRole('meter', { name }).firstChild as HTMLElement).style;
}

describe('QuotaMeter', () => {
  it('fills in proportion and turns amber from 80 % and red at the limit', () => {
    render(
      <>
        <QuotaMeter label="low" used={1} limit={4} format={format} />
        <QuotaMeter label="high" used={9} limit={10} format={format} />
        <QuotaMeter label="full" used={12} limit={10} format={format} overridden />
        <QuotaMeter label="zero" used={0} limit={0} format={format} />
        <QuotaMeter label="none" used={3} limit={null} format={format} />
      </>,
    );
    expect(fill('low').width).toBe('25%');
    expect(fill('low').background).toContain('--bui-accent-bg');
    expect(fill('high').background).toContain('--bui-warning-bg');
    expect(fill('full').width).toBe('100%');
    expect(fill('full').background).toContain('--bui-negative-bg');
    expect(screen.getByRole('meter', { name: 'full' })).toHaveAttribute(
      'aria-valuetext',
      '12 of 10',
    );
    expect(screen.getByText('(override)')).toBeInTheDocument();
    expect(fill('zero').background).toContain('--bui-negative-bg');
    expect(fill('none').width).toBe('0%');
    expect(screen.getByRole('meter', { name: 'none' })).toHaveAttribute(
      'aria-valuetext',
      '3 of unlimited',
    );
  });
});
