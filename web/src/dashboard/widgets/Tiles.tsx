// Live values: a tile per quantity, its first chosen phase large and the
// others beside it, each with its unit; grey when the data is older than
// the server's online window (3 minutes).
import { useApp } from "../context";
import { dataAge, FRESH_SECONDS } from "../devices";
import { keysOf } from "../periods";
import { family, phaseLabel, splitKey, useView, type WidgetProps } from "./common";
import { useDrawn } from "./ready";

export function Tiles({ widget }: WidgetProps) {
  const { tr } = useApp();
  const { device } = useView();
  useDrawn(widget.id, true); // drawn from the device, which the board had first
  const age = dataAge(device, Date.now() / 1000);
  const stale = age === null || age > FRESH_SECONDS;
  const last = device.last ?? {};
  const tiles = (widget.quantities ?? []).map((stem) => ({
    stem,
    keys: keysOf(stem, widget.phases ?? [1], device.phases).filter((k) => typeof last[k] === "number"),
  })).filter((t) => t.keys.length > 0);
  const show = (key: string) => {
    const f = family(splitKey(key).stem);
    return tr.number((last[key] ?? 0) * f.scale, f.digits);
  };

  return (
    <div class={stale ? "tiles tiles-stale" : "tiles"}>
      <p class="tiles-age">
        {age === null ? tr.t("device.noData") : tr.t("device.dataAge", { ago: tr.ago(age) })}
      </p>
      {tiles.length === 0 ? (
        <p class="muted">{tr.t("device.noValues")}</p>
      ) : (
        <dl class="tile-grid">
          {tiles.map(({ stem, keys }) => {
            const f = family(stem);
            const [first, ...rest] = keys;
            if (first === undefined) return null;
            return (
              <div class="tile" key={stem}>
                <dt>
                  {tr.t(`quantity.${f.name}`)}
                  {keys.length > 1 || splitKey(first).phase !== null ? (
                    <span class="tile-phase"> · {phaseLabel(tr, splitKey(first).phase)}</span>
                  ) : null}
                </dt>
                <dd class="tile-value" data-key={first}>
                  {show(first)} <span class="unit">{f.unit}</span>
                </dd>
                {rest.length > 0 && (
                  <dd class="tile-phases">
                    {rest.map((k) => (
                      <span key={k}>
                        <span class="tile-phase-name">{phaseLabel(tr, splitKey(k).phase)}</span>{" "}
                        <span data-key={k}>{show(k)}</span>
                      </span>
                    ))}
                  </dd>
                )}
              </div>
            );
          })}
        </dl>
      )}
    </div>
  );
}
