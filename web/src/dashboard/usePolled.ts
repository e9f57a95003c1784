// Loads something now and again every `seconds` while the tab is visible.
// When what it loads changes (`deps`: another device, another period), the
// old data goes at once and a late answer to an old request is dropped, so
// a view never shows one period's data under another's name.
import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";

export type Polled<T> = { data: T | undefined; error: unknown; reload: () => void };

export function usePolled<T>(load: () => Promise<T>, seconds: number, deps: unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  // The newest `load`, so that a poll sees this render's values (the newest
  // minute); `deps` name what makes its data another's (a device, a period).
  const latest = useRef(load);
  latest.current = load;
  const run = useCallback(() => {
    const mine = generation.current;
    latest.current().then(
      (d) => {
        if (mine !== generation.current) return;
        setData(d);
        setError(null);
      },
      (e: unknown) => {
        if (mine === generation.current) setError(e);
      },
    );
  }, deps);
  // Layout effects, both (their cleanups must run in this order): the
  // request leaves as the component commits, not a painted frame later,
  // which on a board is two frames before the charts can draw.
  useLayoutEffect(
    () => () => {
      generation.current++;
      setData(undefined);
      setError(null);
    },
    [run],
  );
  useLayoutEffect(() => {
    run();
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") run();
    }, seconds * 1000);
    return () => window.clearInterval(timer);
  }, [run, seconds]);
  return { data, error, reload: run };
}
