// Loads something now and again every `seconds` while the tab is visible.
import { useCallback, useEffect, useState } from "preact/hooks";

export type Polled<T> = { data: T | undefined; error: unknown; reload: () => void };

export function usePolled<T>(load: () => Promise<T>, seconds: number, deps: unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  // `deps` name what `load` depends on (a device ID), as for useEffect.
  const run = useCallback(() => {
    load().then(
      (d) => {
        setData(d);
        setError(null);
      },
      (e: unknown) => setError(e),
    );
  }, deps);
  useEffect(() => {
    run();
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") run();
    }, seconds * 1000);
    return () => window.clearInterval(timer);
  }, [run, seconds]);
  return { data, error, reload: run };
}
