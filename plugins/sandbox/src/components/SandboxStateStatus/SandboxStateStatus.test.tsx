import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { SandboxStateStatus } from './SandboxStateStatus';

const EXPECTED: Array<[string, string]> = [
  ['running', 'Status ok'],
  ['paused', 'Status warning'],
  ['pending', 'Status pending'],
  ['provisioning', 'Status running'],
  ['pausing', 'Status running'],
  ['resuming', 'Status running'],
  ['stopping', 'Status running'],
  ['deleting', 'Status running'],
  ['failed', 'Status error'],
  ['stopped', 'Status aborted'],
  ['deleted', 'Status aborted'],
  // states a newer backend may send: changing if it ends in -ing, else neutral
  ['hibernating', 'Status running'],
  ['archived', 'Status aborted'],
];

describe('SandboxStateStatus', () => {
  it('colours each state by its kind, and unknown states neutrally', async () => {
    await renderInTestApp(
      <>
        {EXPECTED.map(([state]) => (
          <div key={state} data-testid={`state-${state}`}>
            <SandboxStateStatus state={state} />
          </div>
        ))}
      </>,
    );
    for (const [state, label] of EXPECTED) {
      const cell = await screen.findByTestId(`state-${state}`);
      expect(cell).toHaveTextContent(state);
      expect(within(cell).getByLabelText(label)).toBeInTheDocument();
    }
  });
});
