import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/api-error.ts';

/** How often running backups and restores are polled. */
export const POLL_MS = 1000;

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads with `load` whenever `deps` change; while `pollWhile(data)` holds, loads again every POLL_MS (the live
 * progress: the listing is the source of truth, so every node of a scaled-out service can answer it).
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
  pollWhile?: (data: T) => boolean,
): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    const mine = ++generation.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
        if (pollWhile?.(value)) timer = setTimeout(() => setTick((t) => t + 1), POLL_MS);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(ApiError.from(failure));
        setLoading(false);
      },
    );
    return () => {
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);

  return { data, error, loading, reload };
}

/** Runs an action, keeping its error for display; answers what the action answered, or undefined. */
export function useAction() {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (failure) {
      setError(ApiError.from(failure));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run, clear: () => setError(undefined) };
}
