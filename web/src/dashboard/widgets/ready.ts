// When a board is ready: every widget of its first view drawn with its data
// (or with the error that stands for it). That moment gets a Performance
// API mark, so a benchmark measures what a person waits for on opening a
// board (navigation start, data fetches included, to the last chart
// painted) rather than the arrival of some element (web/bench/).
import { createContext } from "preact";
import { useCallback, useContext, useEffect } from "preact/hooks";

export const BOARD_READY = "maic:board-ready";

export type Readiness = { report: (widgetId: string) => void };

export const ReadyContext = createContext<Readiness | null>(null);

// Counts the distinct widgets that reported; the mark is set once, when
// the last of `count` does. A widget reporting again (new data, a redraw)
// is not counted twice; later views of the board set no mark.
export function readiness(count: number): Readiness {
  const seen = new Set<string>();
  let marked = false;
  return {
    report(widgetId) {
      if (marked) return;
      seen.add(widgetId);
      if (seen.size < count) return;
      marked = true;
      performance.mark(BOARD_READY);
    },
  };
}

// The widget's report, for a drawing that happens outside Preact's render
// (a uPlot canvas reports from its draw hook).
export function useReport(widgetId: string): () => void {
  const ready = useContext(ReadyContext);
  return useCallback(() => ready?.report(widgetId), [ready, widgetId]);
}

// For a widget drawn by Preact: reports once `settled` (its data or error
// shown). Effects run after the browser painted the render.
export function useDrawn(widgetId: string, settled: boolean): void {
  const report = useReport(widgetId);
  useEffect(() => {
    if (settled) report();
  }, [settled, report]);
}
