import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// CI machines are small (2 cores shared by parallel Jest workers): give async queries and tests
// room, so slow renders do not look like failures. Assertions stay the same.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

// recharts' ResponsiveContainer observes its size; jsdom has no ResizeObserver.
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as any).ResizeObserver ??= NoopResizeObserver;

// jsdom lays nothing out, so ResponsiveContainer measures 0 x 0 after its first render and says so
// on every update. That one warning is about the test environment, not our code: drop it.
/* eslint-disable no-console */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('The width(0) and height(0) of chart')) return;
  warn(...args);
};
/* eslint-enable no-console */
