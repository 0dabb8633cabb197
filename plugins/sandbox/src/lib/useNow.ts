import { useState } from 'react';
import useInterval from 'react-use/esm/useInterval';

/** The current time, refreshed every `intervalMs` so ages and TTLs tick. */
export function useNow(intervalMs: number = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), intervalMs);
  return now;
}
