// What both sites' uPlot charts share: the phases' colours, the theme's
// colours read from the page, a version that changes with the theme, and
// mounting a chart that follows its container's width.
import { useEffect, useState } from "preact/hooks";
import uPlot from "uplot";

// Okabe–Ito: told apart by people with colour-blindness too; a legend
// names each line, so colour is never the only cue.
export const PHASE_COLOURS = ["#e69f00", "#0072b2", "#009e73"];
export const EXTRA_COLOURS = ["#cc79a7", "#d55e00", "#56b4e9", "#999999"];

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// Changes when the theme does (the person's choice or the system's), so a
// canvas drawn with the theme's colours is drawn again.
export function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    media.addEventListener("change", bump);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => {
      media.removeEventListener("change", bump);
      observer.disconnect();
    };
  }, []);
  return version;
}

// A chart in `el` that takes the element's width (at least 200 px) as it
// changes; `dispose` disconnects and destroys it. An observer reports the
// size it starts with too: only a new width redraws.
export function mountPlot(
  opts: uPlot.Options,
  data: uPlot.AlignedData,
  el: HTMLElement,
): { plot: uPlot; dispose: () => void } {
  const plot = new uPlot(opts, data, el);
  const resize = new ResizeObserver(() => {
    const width = Math.max(200, el.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height: plot.height });
  });
  resize.observe(el);
  return {
    plot,
    dispose: () => {
      resize.disconnect();
      plot.destroy();
    },
  };
}
