import { DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  value?: T;
  loading: boolean;
  error?: Error;
  retry: () => void;
}

/**
 * Runs `load` when `deps` change (and again on `retry`). A retry keeps the last value on screen
 * while it reloads; new deps start from nothing. Results of superseded runs are dropped.
 */
export function useLoader<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const source = useCallback(load, deps);
  const [state, setState] = useState<{ source?: unknown; value?: T; error?: Error }>({});
  const [attempt, setAttempt] = useState(0);
  const [settled, setSettled] = useState<{ source?: unknown; attempt: number }>({ attempt: -1 });
  const run = useRef(0);

  useEffect(() => {
    const id = ++run.current;
    source().then(
      value => {
        if (id !== run.current) return;
        setState({ source, value });
        setSettled({ source, attempt });
      },
      error => {
        if (id !== run.current) return;
        setState(prev => ({ source, value: prev.source === source ? prev.value : undefined, error }));
        setSettled({ source, attempt });
      },
    );
  }, [source, attempt]);

  const retry = useCallback(() => setAttempt(a => a + 1), []);
  const current = state.source === source;
  return {
    value: current ? state.value : undefined,
    error: current ? state.error : undefined,
    loading: settled.source !== source || settled.attempt !== attempt,
    retry,
  };
}
